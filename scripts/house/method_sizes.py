#!/usr/bin/env python3
"""Lines per method (declaration line to closing brace, comments and blank lines included) of every
class under */src/main/java, longest first; the counts the house issue (#19) asks for.

    python3 scripts/house/method_sizes.py [--min 60]

A heuristic, not a parser: a method starts at a line of a class body that ends with '{' and looks like
a declaration (a name followed by '(' , no 'class'/'record'/'interface'/'enum'/control keyword), and
ends where its braces balance. String literals and comments holding braces are skipped."""
import argparse
import glob
import re

DECL = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|protected|private|static|final|abstract|"
                  r"synchronized|default|native)\s+)*(?:<[^>]+>\s+)?[\w.<>\[\], ?]*\b(\w+)\s*\(")
NOT = re.compile(r"\b(class|record|interface|enum|if|for|while|switch|catch|try|else|do|return|new|throw)\b")


def strip(line):
    line = re.sub(r'"(?:\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(?:\\.|[^'\\])'", "''", line)
    return line.split("//")[0]


def methods(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i, in_comment = [], 0, False
    while i < len(lines):
        raw = lines[i]
        if "/*" in raw and "*/" not in raw:
            in_comment = True
        if in_comment:
            in_comment = "*/" not in raw
            i += 1
            continue
        m = DECL.match(raw)
        if m and not NOT.search(raw.split("(")[0]) and raw.startswith("    ") and not raw.startswith("        ") :
            # find the opening brace (the signature may span lines)
            j, depth, opened = i, 0, False
            while j < len(lines):
                s = strip(lines[j])
                if not opened and ";" in s and "{" not in s:
                    break  # abstract or interface method
                depth += s.count("{") - s.count("}")
                opened = opened or "{" in s
                if opened and depth == 0:
                    out.append((j - i + 1, m.group(1), i + 1))
                    break
                j += 1
            i = j + 1 if opened else i + 1
            continue
        i += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--min", type=int, default=60)
    a = ap.parse_args()
    rows = []
    for f in glob.glob("*/src/main/java/**/*.java", recursive=True):
        for n, name, line in methods(f):
            if n >= a.min:
                rows.append((n, f.split("/")[-1][:-5] + "." + name, f, line))
    for n, name, f, line in sorted(rows, reverse=True):
        print(f"{n:4d}  {name}  ({f}:{line})")
    print(f"{len(rows)} methods of {a.min} lines or more; {sum(1 for r in rows if r[0] > 100)} over 100")


if __name__ == "__main__":
    main()
