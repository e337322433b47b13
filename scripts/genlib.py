"""Shared by the table generators (scripts/gen_*.py): one command line and one way to write or
check the committed outputs.

    import genlib
    def outputs(args):                      # {path relative to the repository: text}
        return {"src/arch/x.inc": render(build())}
    genlib.main(__doc__, outputs)           # --check, --stdout, or write

--check exits 1 naming every committed output that differs from what the generator produces now
(tests/arch/generated_test.cpp runs it for each generator; the CMake target `regenerate-tables`
writes them all).
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parser(doc):
    ap = argparse.ArgumentParser(description=(doc or "").strip().split("\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if a committed output differs")
    ap.add_argument("--stdout", action="store_true", help="print instead of writing")
    return ap


def emit(outputs, check=False, stdout=False, script=None):
    """Writes, prints or checks {relative path: text}. Returns the process exit status."""
    script = script or os.path.basename(sys.argv[0])
    stale = []
    for rel, text in outputs.items():
        path = os.path.join(ROOT, rel)
        if stdout:
            sys.stdout.write(text)
        elif check:
            try:
                with open(path, encoding="utf-8") as f:
                    current = f.read()
            except FileNotFoundError:
                current = None
            if current != text:
                stale.append(rel)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"wrote {rel}")
    for rel in stale:
        print(f"{rel} is stale: run scripts/{script}", file=sys.stderr)
    return 1 if stale else 0


def main(doc, outputs, ap=None, before=None):
    """Parses the command line (`ap` may add options) and emits outputs(args). `before(args)`
    may handle an extra mode and return True to stop there."""
    ap = ap or parser(doc)
    args = ap.parse_args()
    if before and before(args):
        return
    sys.exit(emit(outputs(args), check=args.check, stdout=args.stdout))
