package org.openpincery.pcy;

/**
 * A member's or a token's role, in the API's lower-case wire names, highest first: owner, admin,
 * operator, viewer (docs/api.md; the server decides what each may do).
 */
enum Role {
  owner,
  admin,
  operator,
  viewer
}
