#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The fstests table: one row per test, atomfs's result, ext4's, seconds,
and for every atomfs test that did not pass, why (fstests' not-run reason,
or the first lines where the output differs from the expected one).

usage: results.py RESULTS_DIR "FS..." WHAT SECONDS > results.md
       results.py --check RESULTS_DIR/atomfs TEST...
The second form checks atomfs's results of the TESTs against
tests/fstests/expected and exits 1 when one did something else or has no
result.
RESULTS_DIR holds one fstests result directory per filesystem (RESULT_BASE,
with result.xml from `./check -R xunit`)."""

import html
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cases(res):
    """{test: (status, seconds, message)} from fstests' result.xml, else
    from its check output (a run cut short writes no xml)."""
    out = {}
    xml = os.path.join(res, "result.xml")
    if os.path.exists(xml):
        text = open(xml, errors="replace").read()
        for m in re.finditer(r'<testcase [^>]*name="([^"]+)" time="(\d*)">(.*?)</testcase>',
                             text, re.S):
            name, secs, body = m.group(1), m.group(2), m.group(3)
            s = re.search(r'<skipped(?: message="([^"]*)")?', body)
            f = re.search(r'<failure message="([^"]*)"', body)
            if f:
                out[name] = ("fail", secs, html.unescape(f.group(1)))
            elif s:
                out[name] = ("not run", secs, html.unescape(s.group(1) or ""))
            else:
                out[name] = ("pass", secs, "")
    log = os.path.join(res, "check.log")
    if os.path.exists(log):
        for line in open(log, errors="replace"):
            m = re.match(r"^(\w+/\d+)\s+(.*)$", line.rstrip())
            if not m or m.group(1) in out:
                continue
            rest = m.group(2)
            if "[not run]" in rest:
                out[m.group(1)] = ("not run", "", rest.split("]", 1)[1].strip())
            elif re.search(r"\d+s$", rest) and "-" not in rest:
                out[m.group(1)] = ("pass", re.findall(r"(\d+)s$", rest)[0], "")
            else:
                out[m.group(1)] = ("fail", "", rest.strip())
    return out


def why_failed(res, test, message):
    """The fstests message and the first differing output lines."""
    parts = [message] if message else []
    bad = os.path.join(res, test + ".out.bad")
    exp = os.path.join(TOP, ".build", "fstests", "src", "tests", test + ".out")
    if os.path.exists(bad) and os.path.exists(exp):
        want = open(exp, errors="replace").read().splitlines()
        got = open(bad, errors="replace").read().splitlines()
        for i, line in enumerate(got):
            if i >= len(want) or line != want[i]:
                parts.append("first difference: `%s`" % line.strip()[:160])
                break
    if os.path.exists(os.path.join(res, test + ".dmesg")):
        parts.append("kernel log (see %s.dmesg)" % test)
    return "; ".join(parts)


def expected():
    """{test: (result, must_contain, why)} from tests/fstests/expected:
    what atomfs does, on purpose or for a named reason, instead of
    passing."""
    out = {}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected")
    for line in open(path):
        if not line.strip() or line.startswith("#"):
            continue
        test, result, text, why = line.rstrip("\n").split("\t")
        out[test] = ({"notrun": "not run"}.get(result, result), text, why)
    return out


def check(res, tests):
    """Each of @tests in the run against tests/fstests/expected: prints one
    line per test, returns how many did not do what was expected (a test
    with no result among them)."""
    want = expected()
    got_cases = cases(res)
    bad = 0
    for test in tests:
        if test not in got_cases:
            print("%-12s missing: no result (the run stopped?)" % test)
            bad += 1
            continue
        st, secs, msg = got_cases[test]
        exp_st, text, why = want.get(test, ("pass", "-", ""))
        got = why_failed(res, test, msg) if st == "fail" else msg
        ok = st == exp_st and (text == "-" or text in got)
        bad += not ok
        print("%-12s %-7s %5ss %s%s" % (
            test, st, secs or "-", "ok" if ok else "UNEXPECTED (expected %s)" % exp_st,
            (": " + got) if got else ""))
    return bad


def cell(s):
    return s.replace("|", "\\|").replace("\n", " ")


def main():
    if sys.argv[1] == "--check":
        sys.exit(1 if check(sys.argv[2], sys.argv[3:]) else 0)
    known = expected()
    base, fslist, what, secs = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4]
    results = {fs: cases(os.path.join(base, fs)) for fs in fslist}
    order = []
    for fs in fslist:
        for t in results[fs]:
            if t not in order:
                order.append(t)
    print("# fstests on atomfs, ext4 as the control\n")
    print("Generated by `make fstests` (scripts/fstests): %s, one guest boot "
          "(QEMU, Debian's 6.12 kernel), three scsi_debug disks of 4 KiB "
          "sectors with atomic writes; %s s in all.  Seconds are atomfs's "
          "(ext4's in brackets).  Raw results: `%s/`.\n"
          % (what, secs, os.path.abspath(base).replace(TOP + "/", "")))
    print("| test | " + " | ".join(fslist) + " | seconds | why atomfs did not pass |")
    print("| --- | " + " | ".join("---" for _ in fslist) + " | ---: | --- |")
    count = {fs: {} for fs in fslist}
    for t in order:
        row = [t]
        times = []
        for fs in fslist:
            st, sec, _ = results[fs].get(t, ("-", "", ""))
            count[fs][st] = count[fs].get(st, 0) + 1
            row.append(st)
            times.append(sec or "-")
        row.append(times[0] + (" (%s)" % times[1] if len(times) > 1 else ""))
        reason = ""
        if "atomfs" in results and t in results["atomfs"]:
            st, _, msg = results["atomfs"][t]
            if st == "fail":
                reason = why_failed(os.path.join(base, "atomfs"), t, msg)
            elif st == "not run":
                reason = msg
        if reason and t in known:
            reason = known[t][2] + ". fstests: " + reason
        # paths relative to the checkout, as the doc is read there
        row.append(cell(reason.replace(TOP + "/", "")))
        print("| " + " | ".join(row) + " |")
    print()
    for fs in fslist:
        c = count[fs]
        print("- %s: %d passed, %d failed, %d not run%s" % (
            fs, c.get("pass", 0), c.get("fail", 0), c.get("not run", 0),
            ", %d missing (the run stopped)" % c["-"] if c.get("-") else ""))


main()
