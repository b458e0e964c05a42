package org.openpincery.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SchemaVersionTest {

  private static final Pattern VERSIONED = Pattern.compile("V(\\d+)__[a-z0-9_]+\\.sql");

  @Test
  void schemaVersionConstantIsTheNewestMigrationFile() throws IOException, URISyntaxException {
    Path dir = Path.of(SchemaMigrator.class.getResource("/db/migration").toURI());
    int newest;
    try (Stream<Path> files = Files.list(dir)) {
      newest =
          files
              .map(p -> p.getFileName().toString())
              .peek(name -> assertThat(name).matches(VERSIONED))
              .mapToInt(name -> Integer.parseInt(name.substring(1, name.indexOf("__"))))
              .max()
              .orElseThrow();
    }
    assertThat(SchemaMigrator.SCHEMA_VERSION).isEqualTo(newest);
  }
}
