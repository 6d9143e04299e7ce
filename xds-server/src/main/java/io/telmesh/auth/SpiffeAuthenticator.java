package io.telmesh.auth;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A client certificate whose URI SAN is {@code spiffe://<trust-domain>/ns/<ns>/sa/<sa>}, as
 * cert-manager's csi-driver-spiffe and SPIRE issue them. The TLS handshake has already chained it
 * to the configured trust bundle (a certificate that does not chain never gets this far); this
 * reads who it names and refuses another trust domain.
 */
public final class SpiffeAuthenticator implements Authenticator {

  private static final Pattern WORKLOAD =
      Pattern.compile("spiffe://([^/]+)/ns/([a-z0-9][-a-z0-9]*)/sa/([a-z0-9][-a-z0-9.]*)");
  private static final int URI_SAN = 6;

  private final String trustDomain;

  public SpiffeAuthenticator(String trustDomain) {
    this.trustDomain = trustDomain;
  }

  @Override
  public Optional<Identity> authenticate(Metadata headers, Attributes transport)
      throws AuthenticationException {
    SSLSession session = transport.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return Optional.empty();
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty(); // no client certificate: another authenticator may apply
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      return Optional.empty();
    }
    List<String> ids = spiffeIds(leaf);
    if (ids.size() != 1) {
      throw new AuthenticationException(
          "the client certificate must carry exactly one spiffe:// URI SAN, it has " + ids.size());
    }
    String id = ids.get(0);
    Matcher matcher = WORKLOAD.matcher(id);
    if (!matcher.matches()) {
      throw new AuthenticationException(
          "the client certificate's SPIFFE ID is not spiffe://<trust-domain>/ns/<ns>/sa/<sa>: "
              + printable(id));
    }
    if (!matcher.group(1).equals(trustDomain)) {
      throw new AuthenticationException(
          "the client certificate's trust domain "
              + printable(matcher.group(1))
              + " is not "
              + trustDomain);
    }
    return Optional.of(
        new Identity(
            id,
            Set.of(),
            Optional.of(new Identity.ServiceAccountName(matcher.group(2), matcher.group(3))),
            Optional.empty(),
            "certificate"));
  }

  private static List<String> spiffeIds(X509Certificate certificate)
      throws AuthenticationException {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new AuthenticationException(
          "the client certificate's subject alternative names cannot be read");
    }
    List<String> ids = new ArrayList<>();
    if (names != null) {
      for (List<?> name : names) {
        if (name.size() == 2
            && Integer.valueOf(URI_SAN).equals(name.get(0))
            && name.get(1) instanceof String uri
            && uri.startsWith("spiffe://")) {
          ids.add(uri);
        }
      }
    }
    return ids;
  }

  private static String printable(String text) {
    String clean = text.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 128 ? clean.substring(0, 128) + "…" : clean;
  }
}
