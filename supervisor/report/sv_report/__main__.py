"""`python3 -m sv_report RUN_DIR [--out FILE]`: what `supervisor report` runs. Exit status 0 when the
page was written, 2 with one `supervisor: error:` line when the folder cannot be reported on."""
import argparse
import os
import pathlib
import sys

from sv_runstore import RunStoreError

from . import build_report


def main(argv=None):
    ap = argparse.ArgumentParser(prog="supervisor report",
                                 description="Write RUN_DIR/report.html: plots and tables of a run.")
    ap.add_argument("run_dir", help="the run directory (holds supervisor.db)")
    ap.add_argument("--out", "-o", help="where to write the page (default: RUN_DIR/report.html)")
    ap.add_argument("--spec-file", help="the run's workflow text as `supervisor report` shortened it (a huge "
                                        "sweep: block left out); default: the text the store recorded")
    args = ap.parse_args(argv)
    strict = os.environ.get("SV_REPORT_STRICT", "") not in ("", "0")
    try:
        spec_text = None
        if args.spec_file:
            try:
                spec_text = pathlib.Path(args.spec_file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise RunStoreError(f"{args.spec_file}: cannot read the workflow text ({e})") from e
        path, failed = build_report(args.run_dir, args.out, strict=strict, spec_text=spec_text)
    except RunStoreError as e:  # ReportError is one
        print(f"supervisor: error: {e}", file=sys.stderr)
        return 2
    print(f"report: {path}" + (f" ({len(failed)} section(s) failed: {', '.join(failed)})" if failed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
