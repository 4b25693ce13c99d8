/* A stand-in for libnvidia-ml.so.1 (loaded through SV_NVML_LIBRARY), so GPU telemetry runs end to end on a
 * machine without a GPU: two GPUs, 40 % and 60 % busy, whose UUIDs name the process that loaded the library
 * (GPU-fake-<pid>-<index>), so a test can tell which rank sampled. Only the calls telemetry/nvml.cpp makes. */
#include <stdio.h>
#include <unistd.h>

typedef struct { unsigned int gpu, memory; } util_t;
typedef struct { unsigned long long total, free, used; } mem_t;

int nvmlInit_v2(void) { return 0; }
int nvmlShutdown(void) { return 0; }
int nvmlDeviceGetCount_v2(unsigned int* n) { *n = 2; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int i, void** dev) {
  if (i >= 2) return 2; /* NVML_ERROR_INVALID_ARGUMENT */
  *dev = (void*)(unsigned long)(i + 1);
  return 0;
}
int nvmlDeviceGetUtilizationRates(void* dev, util_t* u) {
  u->gpu = 20 + 20 * (unsigned int)(unsigned long)dev;
  u->memory = 0;
  return 0;
}
int nvmlDeviceGetMemoryInfo(void* dev, mem_t* m) {
  m->total = 80ULL << 30;
  m->used = (unsigned long long)(unsigned long)dev << 30;
  m->free = m->total - m->used;
  return 0;
}
int nvmlDeviceGetUUID(void* dev, char* out, unsigned int size) {
  snprintf(out, size, "GPU-fake-%ld-%lu", (long)getpid(), (unsigned long)dev - 1);
  return 0;
}
