package org.openpincery.memory;

import java.util.List;

/**
 * Turns text into unit-length vectors whose cosine similarity (their dot product) measures how
 * alike two texts are in meaning. Blocking and CPU-bound: never call it on an event loop.
 */
public interface Embedder {

  /** The model's name, stored with every vector ({@code memory_entries.embedding_model}). */
  String model();

  /** The vectors' length. */
  int dimensions();

  /** One text's vector. */
  float[] embed(String text);

  /** Several texts' vectors, in order. */
  List<float[]> embedAll(List<String> texts);
}
