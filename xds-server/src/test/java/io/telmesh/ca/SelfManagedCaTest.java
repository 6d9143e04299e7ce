package io.telmesh.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.telmesh.model.NamespacedName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * telmesh's own CA against fabric8's mock API server: made once and reused by the next replica,
 * serving certificates that chain to it with the names clients dial, a broken Secret named with its
 * field, and the root published to every namespace without overwriting someone else's.
 */
@EnableKubernetesMockClient(crud = true)
class SelfManagedCaTest {

  private static final NamespacedName SECRET = new NamespacedName("telmesh-system", "telmesh-ca");

  KubernetesClient client;
  @TempDir Path dir;

  @Test
  void theFirstReplicaMakesTheCaAndTheNextUsesIt() throws Exception {
    CaKeys first =
        CaSecret.loadOrCreate(client, SECRET, CaSecret.generator("test", Duration.ofDays(1)));
    CaKeys second =
        CaSecret.loadOrCreate(
            client,
            SECRET,
            () -> {
              throw new AssertionError("a second CA was made");
            });
    assertThat(second.certificate()).isEqualTo(first.certificate());
    assertThat(second.key().getEncoded()).isEqualTo(first.key().getEncoded());
    var stored = client.secrets().inNamespace("telmesh-system").withName("telmesh-ca").get();
    assertThat(stored.getData()).containsKeys("ca.crt", "ca.key");
    assertThat(stored.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "telmesh");
  }

  @Test
  void aBrokenSecretIsNamedWithItsFieldAndNothingIsOverwritten() {
    client
        .secrets()
        .inNamespace("telmesh-system")
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("telmesh-ca")
                .withNamespace("telmesh-system")
                .endMetadata()
                .addToData("ca.crt", "bm90IGEgY2VydA==")
                .build())
        .create();
    assertThatThrownBy(
            () ->
                CaSecret.loadOrCreate(
                    client, SECRET, CaSecret.generator("test", Duration.ofDays(1))))
        .isInstanceOf(CaSecret.CaException.class)
        .hasMessage("Secret telmesh-system/telmesh-ca has no data[ca.key]");
    client
        .secrets()
        .inNamespace("telmesh-system")
        .withName("telmesh-ca")
        .edit(s -> new SecretBuilder(s).addToData("ca.key", "bm90IGEga2V5").build());
    assertThatThrownBy(
            () ->
                CaSecret.loadOrCreate(
                    client, SECRET, CaSecret.generator("test", Duration.ofDays(1))))
        .isInstanceOf(CaSecret.CaException.class)
        .hasMessageContaining("Secret telmesh-system/telmesh-ca data[ca.crt]/data[ca.key]")
        .hasMessageContaining("not a PEM certificate");
    assertThat(
            client.secrets().inNamespace("telmesh-system").withName("telmesh-ca").get().getData())
        .containsEntry("ca.crt", "bm90IGEgY2VydA==");
  }

  @Test
  void servingCertificatesChainToTheCaAndNameWhatClientsDial() throws Exception {
    CaKeys ca = CaKeys.generate("test", Duration.ofDays(1), Clock.systemUTC());
    IssuedServingCertificate serving =
        new IssuedServingCertificate(
            ca,
            List.of("telmesh.telmesh-system.svc", "127.0.0.1"),
            Duration.ofHours(2),
            Clock.systemUTC(),
            dir);
    serving.issue();
    X509Certificate first = leaf(serving.certFile());
    first.verify(ca.certificate().getPublicKey());
    first.checkValidity();
    Collection<List<?>> names = first.getSubjectAlternativeNames();
    assertThat(names)
        .containsExactlyInAnyOrder(
            List.of(2, "telmesh.telmesh-system.svc"), List.of(7, "127.0.0.1"));
    assertThat(first.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(Files.readString(serving.keyFile())).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(serving.keyFile())))
        .isEqualTo("rw-------");
    assertThat(serving.renewal()).isEqualTo(Duration.ofHours(1));

    serving.issue();
    assertThat(leaf(serving.certFile()).getSerialNumber()).isNotEqualTo(first.getSerialNumber());
    // The chain carries the root after the leaf.
    assertThat(Files.readString(serving.certFile())).contains(ca.certificatePem().strip());
  }

  @Test
  void theRootIsPublishedInEveryNamespaceAndSomeoneElsesIsLeftAlone() throws Exception {
    for (String ns : List.of("telco", "oam", "istio-system")) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
    client
        .configMaps()
        .inNamespace("istio-system")
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("istio-ca-root-cert")
                .withNamespace("istio-system")
                .endMetadata()
                .withData(Map.of("root-cert.pem", "istiod's root"))
                .build())
        .create();
    CaKeys ca = CaKeys.generate("test", Duration.ofDays(1), Clock.systemUTC());
    try (RootCertPublisher publisher =
        new RootCertPublisher(
                client, Optional.empty(), "istio-ca-root-cert", ca.certificatePem(), 500)
            .start()) {
      assertThat(root("telco")).isEqualTo(ca.certificatePem());
      assertThat(root("oam")).isEqualTo(ca.certificatePem());

      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName("core").endMetadata().build())
          .create();
      assertThat(root("core")).isEqualTo(ca.certificatePem());

      // Edited: restored at the next resync.
      client
          .configMaps()
          .inNamespace("telco")
          .withName("istio-ca-root-cert")
          .edit(c -> new ConfigMapBuilder(c).withData(Map.of("root-cert.pem", "tampered")).build());
      assertThat(root("telco")).isEqualTo(ca.certificatePem());
      assertThat(publisher.namespaces()).contains("telco", "oam", "core", "istio-system");
    }
    assertThat(
            client
                .configMaps()
                .inNamespace("istio-system")
                .withName("istio-ca-root-cert")
                .get()
                .getData())
        .containsEntry("root-cert.pem", "istiod's root");
  }

  /** The namespace's published root once it is there (published asynchronously). */
  private String root(String namespace) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String last = null;
    while (System.nanoTime() < deadline) {
      ConfigMap map =
          client.configMaps().inNamespace(namespace).withName("istio-ca-root-cert").get();
      last = map == null ? null : map.getData().get("root-cert.pem");
      if (last != null && last.startsWith("-----BEGIN CERTIFICATE-----")) {
        return last;
      }
      Thread.sleep(50);
    }
    return last;
  }

  private static X509Certificate leaf(Path chain) throws Exception {
    try (var in = Files.newInputStream(chain)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }
}
