package org.openpincery.model;

import java.time.OffsetDateTime;

/** An agent's identity, work list and latest wake summary, as of one maintenance pass. */
public record Projection(
    int version, String identity, String workList, String summary, OffsetDateTime createdAt) {}
