// One walltime grammar for run/resume/submit --walltime, a site's walltime: and SV_WALLTIME_S.
#include <catch2/catch.hpp>

#include "core/walltime.hpp"

using sv::core::parse_walltime;

TEST_CASE("walltime: H:MM:SS, MM:SS and bare seconds are read as PBS reads them", "[core][walltime]") {
  CHECK(parse_walltime("1:00:00") == 3600.0);
  CHECK(parse_walltime("48:00:00") == 48 * 3600.0);
  CHECK(parse_walltime("0:00:30") == 30.0);
  CHECK(parse_walltime("90:00") == 5400.0);  // MM:SS: minutes of any width
  CHECK(parse_walltime("90") == 90.0);       // a bare number is seconds, not Slurm's minutes
  CHECK(parse_walltime("8.000000") == 8.0);  // how the launcher hands the value on to the MPI job
  CHECK(parse_walltime("0:00:07.5") == 7.5);
  CHECK(parse_walltime("8760:00:00") == 365 * 24 * 3600.0);
}

TEST_CASE("walltime: infinite, NaN, overflowing, signed and out-of-range forms are refused", "[core][walltime]") {
  for (const char* bad : {"", "inf", "Infinity", "nan", "NaN", "1e400", "1e3", "-3", "+5", "-0:01:00", "0",
                          "0:00:00", "0.0", "1:99:99", "1:60:00", "1:00:60", "1:5:00", "1:00:5", "1:00:00:00",
                          ":30", "1::00", "1:00:", "a:00:00", "1.5:00:00", " 90", "90 ", "90s", "8760:00:01",
                          "99999999999999999999999999", "0x10"}) {
    INFO("walltime " << bad);
    CHECK_FALSE(parse_walltime(bad).has_value());
  }
}
