package org.openpincery.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/** The local embedding model: its files verified by checksum, its vectors unit length and apt. */
class MiniLmEmbedderTest {

  private static MiniLmEmbedder model;

  @BeforeAll
  static void load() {
    model = MiniLmEmbedder.load();
  }

  private static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
    }
    return dot;
  }

  @Test
  void theShippedFilesMatchTheirPinnedDigestsAndAnotherDigestIsRefusedByName() {
    MiniLmEmbedder.verify();
    assertThatThrownBy(() -> MiniLmEmbedder.verify(MiniLmEmbedder.MODEL_RESOURCE, "00".repeat(32)))
        .isInstanceOf(MiniLmEmbedder.ModelIntegrityException.class)
        .hasMessageContaining(MiniLmEmbedder.MODEL_RESOURCE)
        .hasMessageContaining(MiniLmEmbedder.MODEL_SHA256);
    assertThatThrownBy(() -> MiniLmEmbedder.verify("no-such-model.onnx", "00"))
        .hasMessageContaining("missing");
  }

  @Test
  void vectorsAreUnitLengthOfTheModelsDimensionsAndCloserForTextsAlikeInMeaning() {
    float[] cat = model.embed("The cat sat on the mat");
    List<float[]> others =
        model.embedAll(List.of("A kitten was sitting on a rug", "Quarterly tax filing deadline"));
    assertThat(cat).hasSize(MiniLmEmbedder.DIMENSIONS);
    assertThat(cosine(cat, cat)).isCloseTo(1.0, within(1e-4));
    assertThat(cosine(cat, others.get(0))).isGreaterThan(cosine(cat, others.get(1)) + 0.3);
    assertThat(model.embed("x".repeat(50_000))).hasSize(MiniLmEmbedder.DIMENSIONS);
    assertThat(model.embed("   ")).hasSize(MiniLmEmbedder.DIMENSIONS);
  }

  @Test
  void settingsAreReadAndABadOneIsNamed() {
    MemoryConfig defaults = MemoryConfig.from(Env.of(java.util.Map.of()));
    assertThat(defaults).isEqualTo(MemoryConfig.DEFAULTS);
    assertThat(MemoryConfig.from(Env.of(java.util.Map.of("MEMORY_EMBEDDINGS", "OFF"))).embeddings())
        .isFalse();
    assertThatThrownBy(() -> MemoryConfig.from(Env.of(java.util.Map.of("MEMORY_EMBEDDINGS", "1"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MEMORY_EMBEDDINGS");
    assertThatThrownBy(
            () ->
                MemoryConfig.from(
                    Env.of(java.util.Map.of("MEMORY_TEXT_SEARCH_CONFIG", "english; DROP TABLE x"))))
        .hasMessageContaining("MEMORY_TEXT_SEARCH_CONFIG");
    assertThatThrownBy(
            () -> MemoryConfig.from(Env.of(java.util.Map.of("MEMORY_QUERY_TIMEOUT_MS", "10"))))
        .hasMessageContaining("MEMORY_QUERY_TIMEOUT_MS");
  }
}
