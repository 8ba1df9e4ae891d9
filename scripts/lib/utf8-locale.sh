# Sourced by scripts/ouro: file names and run names are UTF-8 whatever the caller's locale. The JVM encodes
# every path in the locale's charset (sun.jnu.encoding, fixed when it starts; -Dsun.jnu.encoding is ignored), so
# under LC_ALL=C (ASCII) a non-ASCII run name or --text file cannot be made or opened. A non-UTF-8 locale is
# replaced by C.UTF-8 when the system has it; otherwise the JVM refuses such a name in one line.
if [ "$(locale charmap 2>/dev/null)" != "UTF-8" ] && locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
  export LC_ALL=C.UTF-8
fi
