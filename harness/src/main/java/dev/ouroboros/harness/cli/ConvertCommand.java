package dev.ouroboros.harness.cli;

import ai.djl.Device;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ouro convert}: any checkpoint Ouroboros reads → HF layout with F32 model.safetensors and
 * tokenizer.json.
 */
@Command(
        name = "convert",
        mixinStandardHelpOptions = true,
        description = {
            "Rewrite any readable checkpoint as F32 model.safetensors + tokenizer.json (HF layout).",
            "Reads pytorch_model.bin, sharded or BF16/F16 safetensors, vocab.json + merges.txt; writes",
            "config.json + F32 model.safetensors + tokenizer.json, the layout Ouroboros writes and transformers loads."
        })
public final class ConvertCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, description = "Source checkpoint directory.")
    Path model;

    @Option(
            names = "--out",
            required = true,
            description = "Output directory (must not exist or be empty).")
    Path out;

    @Override
    public Integer call() throws Exception {
        OutputDirs.requireEmpty(out);
        try (LanguageModel m = LanguageModel.load(model, Device.cpu());
                OptTokenizer tok = OptTokenizer.load(model)) {
            // a tokenizer with ids beyond the embedding would make a checkpoint nothing can use
            m.requireVocabulary(tok, model + " (its tokenizer)");
            m.save(out);
            tok.save(out);
            spec.commandLine()
                    .getOut()
                    .printf("%s -> %s (%d parameters)%n", model, out, m.parameterCount());
        }
        return 0;
    }
}
