package org.openpincery.reasoner;

/** Tokens a call used, as the provider reported them. */
public record Usage(int promptTokens, int completionTokens) {}
