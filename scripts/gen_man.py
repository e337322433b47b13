#!/usr/bin/env python3
"""Generate the man pages from docs/man/*.scd (one source) with scdoc.

Usage: gen_man.py --sysfence BIN --out DIR [--src docs/man] [--scdoc scdoc] [--check]

sysfence.1.scd holds the prose; each `%OPTIONS cmd%` line becomes the list of that command's
options and arguments, read from the program itself (`BIN completion json`), so the options in
the man page are always the program's. A command the program has but the page has no `## cmd`
section for gets a generated section (its description and options), and is reported on stderr:
tests/cli/ecosystem_test.cpp (EcosystemMan) fails on it, so every command gets prose. --check: only report, exit 1
when a command lacks its section or a section names no command.
"""
import argparse
import json
import os
import re
import subprocess
import sys


def scd_escape(text):
    text = re.sub(r"([*_\\])", r"\\\1", text)
    # A line starting with [ | : would open a table in scdoc.
    return ("\\" + text) if text[:1] in "[|:" and text else text


def option_list(cmd):
    lines = []
    for p in cmd["positionals"]:
        lines.append("_%s_" % scd_escape(p["names"][0].upper()))
        lines.append("\t" + scd_escape(p["description"] or p["kind"]))
        lines.append("")
    for o in cmd["options"]:
        head = ", ".join("*%s*" % scd_escape(n) for n in o["names"])
        if o["kind"] != "flag":
            if o.get("choices"):
                head += " " + "|".join(scd_escape(c) for c in o["choices"])
            else:
                head += " _%s_" % ("VALUE" if o["kind"] == "word" else o["kind"].upper())
        if o.get("repeatable"):
            head += " (repeatable)"
        lines.append(head)
        lines.append("\t" + scd_escape(o["description"]))
        lines.append("")
    if not lines:
        return "No options."
    return "Options and arguments:\n\n" + "\n".join(lines).rstrip() + "\n"


def render_sysfence1(source, cli):
    commands = {c["name"]: c for c in cli["commands"]}
    sections = re.findall(r"^## (\S+)\s*$", source, re.M)
    missing = [c for c in commands if c not in sections]
    unknown = [s for s in sections if s not in commands]

    def repl(m):
        name = m.group(1)
        if name not in commands:
            return "(no such command: %s)" % name
        return option_list(commands[name])

    out = re.sub(r"^%OPTIONS (\S+)%\s*$", repl, source, flags=re.M)
    if missing:
        generated = ""
        for name in missing:
            c = commands[name]
            generated += "## %s\n\n%s.\n\n%s\n" % (name, scd_escape(c["description"]), option_list(c))
        out = out.replace("# EXIT STATUS", generated + "# EXIT STATUS", 1)
    return out, missing, unknown


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sysfence", required=True)
    ap.add_argument("--out")
    ap.add_argument("--src", default=os.path.join(os.path.dirname(__file__), "..", "docs", "man"))
    ap.add_argument("--scdoc", default="scdoc")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    cli = json.loads(subprocess.run([a.sysfence, "completion", "json"], check=True,
                                    capture_output=True, text=True).stdout)
    status = 0
    for name in sorted(os.listdir(a.src)):
        if not name.endswith(".scd"):
            continue
        with open(os.path.join(a.src, name)) as f:
            text = f.read()
        if name == "sysfence.1.scd":
            text, missing, unknown = render_sysfence1(text, cli)
            for m in missing:
                print("gen_man: command %r has no section in sysfence.1.scd (generated one)" % m,
                      file=sys.stderr)
                status = 1
            for u in unknown:
                print("gen_man: sysfence.1.scd has a section for %r, which is no command" % u,
                      file=sys.stderr)
                status = 1
        if a.check:
            continue
        page = subprocess.run([a.scdoc], input=text, capture_output=True, text=True)
        if page.returncode != 0:
            print("gen_man: scdoc failed on %s: %s" % (name, page.stderr), file=sys.stderr)
            return 2
        os.makedirs(a.out, exist_ok=True)
        with open(os.path.join(a.out, name[:-4]), "w") as f:
            f.write(page.stdout)
    return status if a.check else 0


if __name__ == "__main__":
    sys.exit(main())
