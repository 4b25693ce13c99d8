"""Opens a page in headless Chromium and reports what a person would see: whether every image decoded,
the console's errors, and a full-page screenshot. Speaks the DevTools protocol over
--remote-debugging-pipe (fd 3 in, fd 4 out, NUL-terminated JSON), so it needs the Python stdlib only:
no websocket client, no port to pick."""
import base64
import fcntl
import json
import os
import pathlib
import select
import shutil
import subprocess
import tempfile
import time

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium():
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class ChromiumError(RuntimeError):
    pass


class _Pipe:
    """A DevTools session over the two pipes: commands with ids, events buffered until read."""

    def __init__(self, to_browser, from_browser):
        self.out = to_browser
        self.inp = from_browser
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChromiumError("timed out waiting for Chromium")
            ready, _, _ = select.select([self.inp], [], [], left)
            if ready:
                chunk = os.read(self.inp, 1 << 20)
                if not chunk:
                    raise ChromiumError("Chromium closed the DevTools pipe")
                self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None, timeout=30.0):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.out, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise ChromiumError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e.get("method") == method:
                    return self.events.pop(i)
            self.events.append(self._read_message(deadline))


# Elements that stick out of their parent's box, or whose content sticks out of their own (a table wider
# than its section, a line of text that cannot wrap), as "tag#id.class: W px in P px: text" lines.
OVERFLOW_PROBE = """() => {
  const out = [];
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                    (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : '');
  for (const e of document.querySelectorAll('body, body *')) {
    if (e.getClientRects().length === 0) continue;
    const r = e.getBoundingClientRect();
    const p = e.parentElement;
    const q = p ? p.getBoundingClientRect() : null;
    const sticksOut = q && p !== document.documentElement && (r.right > q.right + 1 || r.left < q.left - 1);
    const spills = e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1;
    if (sticksOut || spills) {
      out.push(name(e) + ': ' + Math.round(sticksOut ? r.width : e.scrollWidth) + ' px in ' +
               Math.round(sticksOut ? q.width : e.clientWidth) + ' px: ' +
               (e.textContent || '').trim().slice(0, 80));
    }
  }
  return out.slice(0, 20);
}"""


def inspect_page(path, screenshot, width=1200, timeout=60.0):
    """Loads file `path`; writes a full-page PNG to `screenshot`. Returns
    {"images": [{"alt", "complete", "naturalWidth"}], "errors": [text, ...], "title": str,
     "scrollWidth": the page's width in CSS px, "innerWidth": the window's, "overflowing": [element, ...]}."""
    browser = find_chromium()
    if browser is None:
        raise ChromiumError("no chromium on PATH (install Debian's chromium: scripts/install-deps.sh)")
    profile = tempfile.mkdtemp(prefix="sv-chromium-")
    r_cmd, w_cmd = os.pipe()   # we write commands, Chromium reads them on fd 3
    r_evt, w_evt = os.pipe()   # Chromium writes on fd 4, we read
    argv = [browser, "--headless=new", "--remote-debugging-pipe", "--disable-gpu", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
            "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},900"]
    if os.geteuid() == 0:
        argv.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    argv.append("about:blank")

    def wire_fds():
        # Through fds above 4 first: a pipe end may itself be fd 3 or 4.
        a, b = fcntl.fcntl(r_cmd, fcntl.F_DUPFD, 10), fcntl.fcntl(w_evt, fcntl.F_DUPFD, 10)
        os.dup2(a, 3)
        os.dup2(b, 4)

    proc = subprocess.Popen(argv, pass_fds=(3, 4), preexec_fn=wire_fds, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    os.close(r_cmd)
    os.close(w_evt)
    cdp = _Pipe(w_cmd, r_evt)
    errors = []
    try:
        target = cdp.call("Target.createTarget", {"url": "about:blank"}, timeout=timeout)["targetId"]
        session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            cdp.call(f"{domain}.enable", session=session)
        url = pathlib.Path(path).resolve().as_uri()
        nav = cdp.call("Page.navigate", {"url": url}, session=session, timeout=timeout)
        if nav.get("errorText"):
            raise ChromiumError(f"cannot open {url}: {nav['errorText']}")
        cdp.wait_event("Page.loadEventFired", timeout=timeout)
        probe = ("JSON.stringify({title: document.title, images: Array.from(document.images).map("
                 "i => ({alt: i.alt, complete: i.complete, naturalWidth: i.naturalWidth})), "
                 "scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, "
                 f"overflowing: ({OVERFLOW_PROBE})()}})")
        value = cdp.call("Runtime.evaluate", {"expression": probe, "returnByValue": True},
                         session=session)["result"]["value"]
        page = json.loads(value)
        metrics = cdp.call("Page.getLayoutMetrics", session=session)
        height = int(metrics.get("cssContentSize", metrics.get("contentSize"))["height"])
        cdp.call("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": min(height, 16000), "deviceScaleFactor": 1, "mobile": False},
                 session=session)
        shot = cdp.call("Page.captureScreenshot", {"format": "png"}, session=session, timeout=timeout)
        pathlib.Path(screenshot).write_bytes(base64.b64decode(shot["data"]))
        # Whatever the page logged while loading is in the buffered events by now.
        for e in cdp.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                errors.append(p.get("exceptionDetails", {}).get("text", "exception"))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append(p["entry"].get("text", ""))
        page["errors"] = errors
        try:
            cdp.call("Browser.close", timeout=10)
        except ChromiumError:
            pass
        return page
    finally:
        os.close(w_cmd)
        os.close(r_evt)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
