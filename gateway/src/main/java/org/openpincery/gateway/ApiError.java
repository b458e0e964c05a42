package org.openpincery.gateway;

/**
 * A client-visible failure: an HTTP status, a stable machine code and a message for people. Thrown
 * or failed into a handler chain; {@link ErrorResponses} renders it as {@code {"error": {"code",
 * "message"}}}.
 */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final String code;

  ApiError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  static ApiError badRequest(String message) {
    return new ApiError(400, "invalid_request", message);
  }

  static ApiError unauthorized(String message) {
    return new ApiError(401, "unauthorized", message);
  }

  static ApiError notFound(String what) {
    return new ApiError(404, "not_found", what);
  }

  static ApiError conflict(String code, String message) {
    return new ApiError(409, code, message);
  }
}
