"""`python3 -m sv_report RUN_DIR [--out FILE]`: what `supervisor report` runs. Exit status 0 when the
page was written, 2 with one `supervisor: error:` line when the folder cannot be reported on."""
import argparse
import os
import sys

from . import build_report
from .errors import ReportError


def main(argv=None):
    ap = argparse.ArgumentParser(prog="supervisor report",
                                 description="Write RUN_DIR/report.html: plots and tables of a run.")
    ap.add_argument("run_dir", help="the run directory (holds supervisor.db)")
    ap.add_argument("--out", "-o", help="where to write the page (default: RUN_DIR/report.html)")
    args = ap.parse_args(argv)
    strict = os.environ.get("SV_REPORT_STRICT", "") not in ("", "0")
    try:
        path, failed = build_report(args.run_dir, args.out, strict=strict)
    except ReportError as e:
        print(f"supervisor: error: {e}", file=sys.stderr)
        return 2
    print(f"report: {path}" + (f" ({len(failed)} section(s) failed: {', '.join(failed)})" if failed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
