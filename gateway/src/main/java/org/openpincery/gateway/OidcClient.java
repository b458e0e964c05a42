package org.openpincery.gateway;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.BadJWTExceptions;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The relying party side of the OpenID Connect authorization code flow with PKCE, built on the
 * Nimbus OAuth 2.0 / OpenID Connect SDK: discovery, the authorization request, the code exchange
 * and ID token validation (signature against the provider's published keys, issuer, audience,
 * expiry with 60 s of clock skew, nonce). Nimbus speaks blocking HTTP, so every call that reaches
 * the provider runs on a worker thread, never on the event loop.
 *
 * <p>Discovery is lazy: the first login fetches {@code <issuer>/.well-known/openid-configuration}
 * and keeps it; while the provider cannot be reached, logins fail with {@link Unavailable} (503)
 * and the next one tries again. The key set is cached and refreshed by Nimbus when a token names an
 * unknown key.
 */
final class OidcClient {

  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int READ_TIMEOUT_MS = 10_000;
  private static final int MAX_DOCUMENT_BYTES = 512 * 1024;
  // ID tokens must be signed with a public-key algorithm (keys from the provider's jwks_uri);
  // tokens MACed with the client secret are not accepted.
  private static final Set<JWSAlgorithm> ASYMMETRIC = new HashSet<>();

  static {
    ASYMMETRIC.addAll(JWSAlgorithm.Family.RSA);
    ASYMMETRIC.addAll(JWSAlgorithm.Family.EC);
    ASYMMETRIC.addAll(JWSAlgorithm.Family.ED);
  }

  /** The provider cannot be reached or answered something that is not OpenID Connect. */
  static final class Unavailable extends Exception {
    private static final long serialVersionUID = 1L;

    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The token endpoint refused the code (expired, already used, PKCE mismatch, client auth). */
  static final class ExchangeRefused extends Exception {
    private static final long serialVersionUID = 1L;

    ExchangeRefused(String message) {
      super(message);
    }
  }

  /**
   * The ID token failed validation; {@code reason} is one of {@code audience}, {@code expired},
   * {@code nonce}, {@code issuer}, {@code signature} or {@code invalid}.
   */
  static final class TokenRefused extends Exception {
    private static final long serialVersionUID = 1L;
    final String reason;

    TokenRefused(String reason, String message) {
      super(message);
      this.reason = reason;
    }
  }

  /** The parts of an authorization request that the callback needs again. */
  record Authorization(URI redirect, String state, String nonce, String codeVerifier) {}

  private record Provider(OIDCProviderMetadata metadata, IDTokenValidator validator) {}

  private final Vertx vertx;
  private final OidcConfig config;
  private volatile Provider provider;

  OidcClient(Vertx vertx, OidcConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  /** A new authorization request (fresh state, nonce and PKCE verifier, S256). */
  Future<Authorization> authorize() {
    return provider()
        .map(
            p -> {
              State state = new State(32);
              Nonce nonce = new Nonce(32);
              CodeVerifier verifier = new CodeVerifier();
              URI redirect =
                  new AuthenticationRequest.Builder(
                          ResponseType.CODE,
                          new Scope(config.scopes().toArray(String[]::new)),
                          new ClientID(config.clientId()),
                          config.redirectUrl())
                      .endpointURI(p.metadata().getAuthorizationEndpointURI())
                      .state(state)
                      .nonce(nonce)
                      .codeChallenge(verifier, CodeChallengeMethod.S256)
                      .build()
                      .toURI();
              return new Authorization(
                  redirect, state.getValue(), nonce.getValue(), verifier.getValue());
            });
  }

  /**
   * Exchanges an authorization code at the token endpoint and validates the ID token it returns.
   * Fails with {@link Unavailable}, {@link ExchangeRefused} or {@link TokenRefused}.
   */
  Future<IDTokenClaimsSet> signIn(String code, String codeVerifier, String nonce) {
    return provider()
        .compose(
            p ->
                vertx.executeBlocking(
                    () -> validate(p, exchange(p.metadata(), code, codeVerifier), nonce), false));
  }

  /**
   * The configured issuer, which discovery found the provider to state as its own; a callback's
   * {@code iss} (RFC 9207) must equal it.
   */
  String issuer() {
    return config.issuer().toString();
  }

  private JWT exchange(OIDCProviderMetadata metadata, String code, String codeVerifier)
      throws Unavailable, ExchangeRefused {
    AuthorizationCodeGrant grant =
        new AuthorizationCodeGrant(
            new AuthorizationCode(code), config.redirectUrl(), new CodeVerifier(codeVerifier));
    ClientID client = new ClientID(config.clientId());
    TokenRequest request =
        config.clientSecret().isPresent()
            ? new TokenRequest(
                metadata.getTokenEndpointURI(),
                new ClientSecretBasic(client, new Secret(config.clientSecret().get())),
                grant)
            : new TokenRequest(metadata.getTokenEndpointURI(), client, grant);
    HTTPRequest http = request.toHTTPRequest();
    http.setConnectTimeout(CONNECT_TIMEOUT_MS);
    http.setReadTimeout(READ_TIMEOUT_MS);
    TokenResponse response;
    try {
      response = OIDCTokenResponseParser.parse(http.send());
    } catch (IOException e) {
      throw new Unavailable("the identity provider's token endpoint cannot be reached", e);
    } catch (ParseException e) {
      throw new Unavailable("the identity provider's token endpoint answered no token response", e);
    }
    if (!response.indicatesSuccess()) {
      ErrorObject error = response.toErrorResponse().getErrorObject();
      throw new ExchangeRefused(
          "the identity provider refused the authorization code: "
              + (error == null || error.getCode() == null ? "no reason given" : error.getCode()));
    }
    JWT idToken = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens().getIDToken();
    if (idToken == null) {
      throw new ExchangeRefused("the identity provider returned no ID token");
    }
    return idToken;
  }

  private static IDTokenClaimsSet validate(Provider p, JWT idToken, String nonce)
      throws TokenRefused, Unavailable {
    try {
      return p.validator().validate(idToken, new Nonce(nonce));
    } catch (BadJOSEException e) {
      String reason = reason(e);
      throw new TokenRefused(
          reason, "the ID token was refused (" + reason + "): " + e.getMessage());
    } catch (JOSEException e) {
      throw new Unavailable("the identity provider's keys cannot be used: " + e.getMessage(), e);
    }
  }

  // Nimbus does the checks; this only names which one failed, for the client and the audit log.
  private static String reason(BadJOSEException e) {
    String message = String.valueOf(e.getMessage());
    if (e == BadJWTExceptions.EXPIRED_EXCEPTION || message.startsWith("Expired JWT")) {
      return "expired";
    }
    if (message.contains("audience") || message.contains("authorized party")) {
      return "audience";
    }
    if (message.contains("nonce")) {
      return "nonce";
    }
    if (message.contains("issuer")) {
      return "issuer";
    }
    if (e instanceof BadJWSException
        || message.contains("signature")
        || message.contains("no matching key")) {
      return "signature";
    }
    return "invalid";
  }

  private Future<Provider> provider() {
    Provider known = provider;
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return vertx.executeBlocking(this::discover, false);
  }

  private Provider discover() throws Unavailable {
    OIDCProviderMetadata metadata;
    try {
      metadata =
          OIDCProviderMetadata.resolve(
              new Issuer(config.issuer().toString()), CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS);
    } catch (IOException | GeneralException e) {
      throw new Unavailable(
          "the identity provider's discovery document cannot be read from "
              + config.issuer()
              + "/.well-known/openid-configuration: "
              + e.getMessage(),
          e);
    }
    if (metadata.getAuthorizationEndpointURI() == null
        || metadata.getTokenEndpointURI() == null
        || metadata.getJWKSetURI() == null) {
      throw new Unavailable(
          "the identity provider's discovery document lacks an authorization, token or jwks"
              + " endpoint",
          null);
    }
    Set<JWSAlgorithm> algorithms = new HashSet<>(ASYMMETRIC);
    List<JWSAlgorithm> offered = metadata.getIDTokenJWSAlgs();
    if (offered != null && !offered.isEmpty()) {
      algorithms.retainAll(offered);
    }
    if (algorithms.isEmpty()) {
      throw new Unavailable(
          "the identity provider signs ID tokens only with "
              + offered
              + "; a public-key algorithm"
              + " (RS256, ES256, ...) is required",
          null);
    }
    JWKSource<SecurityContext> keys;
    try {
      keys =
          JWKSourceBuilder.<SecurityContext>create(
                  metadata.getJWKSetURI().toURL(),
                  new DefaultResourceRetriever(
                      CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS, MAX_DOCUMENT_BYTES))
              .build();
    } catch (MalformedURLException e) {
      throw new Unavailable("the identity provider's jwks_uri is not a URL", e);
    }
    IDTokenValidator validator =
        new IDTokenValidator(
            metadata.getIssuer(),
            new ClientID(config.clientId()),
            new JWSVerificationKeySelector<>(algorithms, keys),
            null);
    Provider discovered = new Provider(metadata, validator);
    provider = discovered;
    return discovered;
  }
}
