package dev.ouroboros.harness.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The validated configuration of one training run ({@code ouro train}).
 *
 * <p>Loading: {@code defaults.yaml} (next to this class; it lists every accepted key) ← the user's YAML ← dotted
 * overrides {@code a.b=value} (the value parsed as YAML). A key that is not in the defaults is a {@link
 * UserInputException} naming the closest known key ("did you mean").
 */
public record TrainConfig(
    long seed,
    String device,
    String precision,
    String out,
    Model model,
    Data data,
    Optim optim,
    Schedule schedule,
    Train train,
    Checkpoint checkpoint,
    Log log) {

  public record Model(
      String init,
      String checkpoint,
      String tokenizer,
      int vocabSize,
      int hiddenSize,
      int numHiddenLayers,
      int numAttentionHeads,
      int ffnDim,
      int maxPositionEmbeddings,
      Double dropout,
      Double attentionDropout) {}

  public record Data(String train, String validation, int blockSize, long maxTrainBlocks, long maxValidationBlocks) {}

  public record Optim(double lr, double beta1, double beta2, double eps, double weightDecay, double maxGradNorm) {}

  public record Schedule(String kind, long warmupSteps, double etaMin, String cycle) {}

  public record Train(int epochs, int batchSize, int microBatchSize, long maxSteps, int evalBatchSize) {}

  public record Checkpoint(long everySteps, boolean resume) {}

  public record Log(long everySteps, double peakTflops) {}

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER))
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  public TrainConfig {
    oneOf("precision", precision, "fp32", "fp16", "bf16");
    oneOf("model.init", model.init(), "scratch", "checkpoint");
    if (model.init().equals("checkpoint") && blank(model.checkpoint())) {
      throw new UserInputException("config: model.init is 'checkpoint' but model.checkpoint is not set");
    }
    if (model.init().equals("scratch") && blank(model.tokenizer())) {
      throw new UserInputException("config: model.tokenizer is required when model.init is 'scratch'");
    }
    if (model.init().equals("scratch")) {
      nonNegative("model.vocab_size", model.vocabSize());
      positive("model.hidden_size", model.hiddenSize());
      positive("model.num_hidden_layers", model.numHiddenLayers());
      positive("model.num_attention_heads", model.numAttentionHeads());
      positive("model.ffn_dim", model.ffnDim());
      positive("model.max_position_embeddings", model.maxPositionEmbeddings());
    }
    probability("model.dropout", model.dropout());
    probability("model.attention_dropout", model.attentionDropout());
    if (blank(data.train())) {
      throw new UserInputException("config: data.train is required (a UTF-8 text file)");
    }
    if (blank(data.validation())) {
      throw new UserInputException("config: data.validation is required (a UTF-8 text file)");
    }
    if (data.blockSize() < 2) {
      throw new UserInputException("config: data.block_size must be at least 2, got " + data.blockSize());
    }
    nonNegative("data.max_train_blocks", data.maxTrainBlocks());
    nonNegative("data.max_validation_blocks", data.maxValidationBlocks());
    if (!(optim.lr() > 0) || !Double.isFinite(optim.lr())) {
      throw new UserInputException("config: optim.lr must be positive, got " + optim.lr());
    }
    if (!(optim.beta1() >= 0 && optim.beta1() < 1) || !(optim.beta2() >= 0 && optim.beta2() < 1)) {
      throw new UserInputException("config: optim.beta1 and optim.beta2 must be in [0, 1)");
    }
    if (!(optim.eps() > 0)) {
      throw new UserInputException("config: optim.eps must be positive, got " + optim.eps());
    }
    if (!(optim.weightDecay() >= 0)) {
      throw new UserInputException("config: optim.weight_decay must be >= 0, got " + optim.weightDecay());
    }
    if (!(optim.maxGradNorm() >= 0)) {
      throw new UserInputException("config: optim.max_grad_norm must be >= 0 (0 = off), got " + optim.maxGradNorm());
    }
    oneOf("schedule.kind", schedule.kind(), "constant", "linear", "cosine");
    oneOf("schedule.cycle", schedule.cycle(), "run", "epoch");
    nonNegative("schedule.warmup_steps", schedule.warmupSteps());
    if (!(schedule.etaMin() >= 0 && schedule.etaMin() < optim.lr())) {
      throw new UserInputException(
          "config: schedule.eta_min must be in [0, optim.lr), got " + schedule.etaMin() + " (lr " + optim.lr() + ")");
    }
    positive("train.epochs", train.epochs());
    positive("train.batch_size", train.batchSize());
    positive("train.micro_batch_size", train.microBatchSize());
    positive("train.eval_batch_size", train.evalBatchSize());
    nonNegative("train.max_steps", train.maxSteps());
    if (train.batchSize() % train.microBatchSize() != 0) {
      throw new UserInputException(
          "config: train.batch_size " + train.batchSize() + " is not a multiple of train.micro_batch_size "
              + train.microBatchSize());
    }
    positive("checkpoint.every_steps", checkpoint.everySteps());
    positive("log.every_steps", log.everySteps());
  }

  /** Gradient-accumulation steps: micro-batches per optimizer step. */
  public int accumulation() {
    return train.batchSize() / train.microBatchSize();
  }

  // ------------------------------------------------------------------------------------------ loading

  /** Loads {@code file} with the given {@code key=value} overrides. */
  public static TrainConfig load(Path file, List<String> overrides) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UserInputException(file + ": no such config file");
    } catch (IOException e) {
      throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")");
    }
    return parse(text, file.toString(), overrides);
  }

  /** Parses YAML text; {@code source} names it in errors. */
  public static TrainConfig parse(String yaml, String source, List<String> overrides) {
    ObjectNode tree = defaults();
    JsonNode user;
    try {
      user = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new UserInputException(source + ": not valid YAML (" + firstLine(e.getOriginalMessage()) + ")");
    }
    if (user != null && !user.isMissingNode() && !user.isNull()) {
      if (!user.isObject()) {
        throw new UserInputException(source + ": the config must be a YAML mapping");
      }
      merge(tree, (ObjectNode) user, "", source);
    }
    for (String o : overrides) {
      override(tree, o);
    }
    return bind(tree, source);
  }

  /** The defaults alone (tests and benchmarks start from these). */
  static ObjectNode defaults() {
    try (InputStream in = TrainConfig.class.getResourceAsStream("defaults.yaml")) {
      if (in == null) {
        throw new IllegalStateException("defaults.yaml is missing from the classpath");
      }
      return (ObjectNode) YAML.readTree(in);
    } catch (IOException e) {
      throw new IllegalStateException("defaults.yaml is unreadable", e);
    }
  }

  static TrainConfig bind(ObjectNode tree, String source) {
    try {
      return YAML.treeToValue(tree, TrainConfig.class);
    } catch (JsonProcessingException e) {
      Throwable c = e;
      while (c.getCause() != null && !(c instanceof UserInputException)) {
        c = c.getCause();
      }
      if (c instanceof UserInputException u) {
        throw new UserInputException(source + ": " + u.getMessage().replaceFirst("^config: ", ""));
      }
      String path = e instanceof com.fasterxml.jackson.databind.JsonMappingException m ? pathOf(m) : "?";
      throw new UserInputException(source + ": bad value for '" + path + "' (" + firstLine(e.getOriginalMessage()) + ")");
    }
  }

  /** The resolved configuration as YAML (written beside the run). */
  public String toYaml() {
    try {
      return YAML.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Hash of everything that determines the numbers a run produces (all but {@code log}, {@code checkpoint},
   * {@code out} and {@code device}); a checkpoint only resumes under the same hash.
   */
  public String trainingHash() {
    ObjectNode n = YAML.valueToTree(this);
    n.remove(List.of("log", "checkpoint", "out", "device"));
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(YAML.writeValueAsBytes(n));
      return HexFormat.of().formatHex(d).substring(0, 16);
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void merge(ObjectNode into, ObjectNode from, String prefix, String source) {
    for (Iterator<Map.Entry<String, JsonNode>> it = from.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      String path = prefix + key;
      if (!into.has(key)) {
        throw unknown(source, prefix, key, into);
      }
      JsonNode cur = into.get(key);
      if (cur.isObject()) {
        if (!e.getValue().isObject()) {
          throw new UserInputException(source + ": '" + path + "' is a section; expected keys " + keys(cur));
        }
        merge((ObjectNode) cur, (ObjectNode) e.getValue(), path + ".", source);
      } else {
        if (e.getValue().isObject() || e.getValue().isArray()) {
          throw new UserInputException(source + ": '" + path + "' takes a single value");
        }
        into.set(key, e.getValue());
      }
    }
  }

  private static void override(ObjectNode tree, String o) {
    int eq = o.indexOf('=');
    if (eq <= 0) {
      throw new UserInputException("override '" + o + "': expected key=value, e.g. optim.lr=3e-4");
    }
    String[] path = o.substring(0, eq).trim().split("\\.");
    String raw = o.substring(eq + 1);
    ObjectNode node = tree;
    StringBuilder prefix = new StringBuilder();
    for (int i = 0; i < path.length; i++) {
      String key = path[i];
      if (!node.has(key)) {
        throw unknown("override '" + o + "'", prefix.toString(), key, node);
      }
      if (i < path.length - 1) {
        if (!node.get(key).isObject()) {
          throw new UserInputException("override '" + o + "': '" + prefix + key + "' is not a section");
        }
        node = (ObjectNode) node.get(key);
        prefix.append(key).append('.');
      } else {
        if (node.get(key).isObject()) {
          throw new UserInputException("override '" + o + "': '" + prefix + key + "' is a section; set one of "
              + keys(node.get(key)));
        }
        JsonNode v;
        try {
          v = raw.isEmpty() ? YAML.getNodeFactory().nullNode() : YAML.readTree(raw);
        } catch (JsonProcessingException e) {
          v = YAML.getNodeFactory().textNode(raw);
        }
        if (v == null || v.isMissingNode()) {
          v = YAML.getNodeFactory().nullNode();
        }
        node.set(key, v);
      }
    }
  }

  private static UserInputException unknown(String source, String prefix, String key, JsonNode siblings) {
    List<String> known = new ArrayList<>();
    siblings.fieldNames().forEachRemaining(known::add);
    String best = closest(key, known);
    String where = prefix.isEmpty() ? "at the top level" : "in section '" + prefix.substring(0, prefix.length() - 1) + "'";
    return new UserInputException(
        source + ": unknown key '" + prefix + key + "' " + where
            + (best != null ? "; did you mean '" + prefix + best + "'?" : "")
            + " (known: " + String.join(", ", known) + ")");
  }

  /** The known key closest to {@code key} by edit distance, or null when none is plausibly meant. */
  static String closest(String key, List<String> known) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    String k = key.toLowerCase(Locale.ROOT).replace('-', '_');
    for (String c : known) {
      int d = c.contains(k) || k.contains(c) ? Math.min(2, levenshtein(k, c)) : levenshtein(k, c);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return best != null && bestD <= Math.max(2, best.length() / 2) ? best : null;
  }

  static int levenshtein(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static String keys(JsonNode n) {
    List<String> k = new ArrayList<>();
    n.fieldNames().forEachRemaining(k::add);
    return String.join(", ", k);
  }

  private static String pathOf(com.fasterxml.jackson.databind.JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      }
    }
    return sb.toString();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static void oneOf(String key, String v, String... allowed) {
    for (String a : allowed) {
      if (a.equals(v)) {
        return;
      }
    }
    throw new UserInputException("config: " + key + " must be one of " + String.join(" | ", allowed) + ", got '" + v + "'");
  }

  private static void positive(String key, long v) {
    if (v <= 0) {
      throw new UserInputException("config: " + key + " must be positive, got " + v);
    }
  }

  private static void nonNegative(String key, long v) {
    if (v < 0) {
      throw new UserInputException("config: " + key + " must be >= 0, got " + v);
    }
  }

  private static void probability(String key, Double v) {
    if (v != null && !(v >= 0 && v < 1)) {
      throw new UserInputException("config: " + key + " must be in [0, 1), got " + v);
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
