package org.openpincery.pcy;

/**
 * A failure the CLI reports as one line on stderr and an exit code. The codes are documented in
 * {@code docs/cli.md} and in {@code pcy --help}.
 */
final class PcyException extends RuntimeException {

  static final int FAILURE = 1;
  static final int USAGE = 2;
  static final int AUTH = 3;
  static final int NOT_FOUND = 4;
  static final int SERVER = 5;

  /**
   * 403: the server knows who is asking and refuses: the role is too low ({@code forbidden}), a
   * role above one's own ({@code role_escalation}), not a member, bootstrap disabled. Apart from
   * {@link #AUTH} because logging in again does not help: someone with a higher role must act.
   */
  static final int FORBIDDEN = 6;

  private final int exitCode;

  PcyException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }

  static PcyException usage(String message) {
    return new PcyException(USAGE, message);
  }

  static PcyException notFound(String message) {
    return new PcyException(NOT_FOUND, message);
  }

  static PcyException failure(String message) {
    return new PcyException(FAILURE, message);
  }
}
