package dev.ouroboros.harness.cli;

import dev.ouroboros.datasets.ContentCache;
import dev.ouroboros.datasets.ContentCache.Stored;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ouro cache [--root DIR] [--prune DAYS]}: the shared data cache's entries, and pruning. */
@Command(
        name = "cache",
        mixinStandardHelpOptions = true,
        description = {
            "List the shared data cache (OURO_CACHE): one line per entry (kind/key, size, when made), and the total.",
            "--prune DAYS deletes the entries made DAYS or more days ago (0: all) that no process is using; run",
            "directories that linked an entry keep their copy, and a later run makes a missing entry again."
        })
public final class CacheCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

    @Spec CommandSpec spec;

    @Option(
            names = "--root",
            paramLabel = "DIR",
            description =
                    "The cache (default: OURO_CACHE, else $XDG_CACHE_HOME/ouroboros, else ~/.cache/ouroboros).")
    Path root;

    @Option(
            names = "--prune",
            paramLabel = "DAYS",
            description = "Delete the entries made at least DAYS days ago; 0 deletes every entry.")
    Integer pruneDays;

    @Override
    public Integer call() throws IOException {
        if (pruneDays != null && pruneDays < 0) {
            throw new UserInputException("--prune must be 0 or more days, got " + pruneDays);
        }
        ContentCache cache =
                root != null
                        ? ContentCache.at(root)
                        : ContentCache.fromEnvironment(
                                System.getenv(), Path.of(System.getProperty("user.home")));
        PrintWriter out = spec.commandLine().getOut();
        if (cache.root() == null) {
            out.println("data cache: off (" + ContentCache.ENV + ")");
            return 0;
        }
        List<Stored> entries = cache.list();
        if (pruneDays == null) {
            for (Stored e : entries) {
                out.printf(
                        Locale.ROOT,
                        "%-10s %s  %10s  %s%n",
                        e.kind(),
                        e.name(),
                        mib(e.bytes()),
                        TIME.format(e.made()));
            }
            out.printf(
                    Locale.ROOT,
                    "%s: %d entries, %s%n",
                    cache.root(),
                    entries.size(),
                    mib(entries.stream().mapToLong(Stored::bytes).sum()));
            return 0;
        }
        Instant cutoff = Instant.now().minus(Duration.ofDays(pruneDays));
        int removed = 0;
        int busy = 0;
        long freed = 0;
        for (Stored e : entries) {
            if (pruneDays > 0 && e.made().isAfter(cutoff)) {
                continue;
            }
            if (cache.remove(e)) {
                removed++;
                freed += e.bytes();
            } else {
                busy++;
                out.println("kept " + e.kind() + "/" + e.name() + ": in use by another run");
            }
        }
        out.printf(
                Locale.ROOT,
                "%s: removed %d of %d entries (%s)%s%n",
                cache.root(),
                removed,
                entries.size(),
                mib(freed),
                busy > 0 ? ", " + busy + " in use kept" : "");
        return 0;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }
}
