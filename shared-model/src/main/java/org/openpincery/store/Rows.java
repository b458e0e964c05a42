package org.openpincery.store;

import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.Optional;
import java.util.function.Function;

/** Small helpers for reading result sets. */
final class Rows {

  private Rows() {}

  /** The first row mapped, or empty when the statement matched nothing. */
  static <T> Optional<T> first(RowSet<Row> rows, Function<Row, T> mapper) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(mapper.apply(rows.iterator().next()));
  }
}
