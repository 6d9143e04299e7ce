package io.telmesh.e2e.kind;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The strict reading finds what fabric8 alone lets through. */
class StrictManifestsTest {

  @TempDir Path dir;

  private List<String> findings(String yaml) throws IOException {
    Path file = Files.writeString(dir.resolve("m.yaml"), yaml);
    return StrictManifests.documents(file).stream()
        .flatMap(d -> StrictManifests.parse(d).findings().stream())
        .toList();
  }

  @Test
  void aCleanManifestHasNoFindings() throws IOException {
    assertThat(
            findings(
                """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: a, namespace: b, labels: {any-key: any-value}, annotations: {x.io/y: z}}
        spec:
          selector: {matchLabels: {app: a}}
          template:
            metadata: {labels: {app: a}}
            spec:
              containers:
              - name: c
                image: i
                resources: {limits: {memory: 256Mi}}
                securityContext: {capabilities: {add: [NET_ADMIN]}}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: free-form}
        data: {whatever: "goes"}
        ---
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {name: n}
        spec: {config: '{"cniVersion":"0.3.1","type":"macvlan"}'}
        """))
        .isEmpty();
  }

  @Test
  void typosAnywhereAreFound() throws IOException {
    assertThat(
            findings(
                """
        apiVersion: v1
        kind: Pod
        metdata: {name: a}
        spec:
          contianers: []
          initContainers:
          - name: c
            image: i
            imagePullPolic: Never
            securityContext: {capabilities: {ad: [NET_ADMIN]}}
        """))
        .containsExactlyInAnyOrder(
            dir.resolve("m.yaml") + " document 1 (Pod ?): unknown field(s) [metdata] in Pod",
            dir.resolve("m.yaml")
                + " document 1 (Pod ?).spec: unknown field(s) [contianers] in PodSpec",
            dir.resolve("m.yaml")
                + " document 1 (Pod ?).spec.initContainers[0]: unknown field(s) [imagePullPolic] in "
                + "Container",
            dir.resolve("m.yaml")
                + " document 1 (Pod ?).spec.initContainers[0].securityContext.capabilities: unknown "
                + "field(s) [ad] in Capabilities");
  }

  @Test
  void unknownKindsAndLooseNetworkAttachmentsAreFound() throws IOException {
    assertThat(
            findings(
                """
        apiVersion: apps/v1
        kind: Deploymnet
        metadata: {name: a}
        ---
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {name: n}
        spec: {config: '{"cniVersion":"0.3.1","type":"macvlan"}', confg: x}
        ---
        apiVersion: k8s.cni.cncf.io/v1
        kind: NetworkAttachmentDefinition
        metadata: {name: m}
        spec: {config: 'not json'}
        """))
        .hasSize(3)
        .anySatisfy(
            f ->
                assertThat(f)
                    .contains("(Deploymnet a): fabric8 has no model for apps/v1 Deploymnet"))
        .anySatisfy(
            f ->
                assertThat(f)
                    .contains("(NetworkAttachmentDefinition n): spec must be exactly {config:"))
        .anySatisfy(
            f ->
                assertThat(f).contains("(NetworkAttachmentDefinition m): spec.config is not JSON"));
  }

  @Test
  void wrongTypesAreFound() throws IOException {
    assertThat(
            findings(
                """
        apiVersion: v1
        kind: Service
        metadata: {name: s}
        spec:
          ports:
          - port: not-a-number
        """))
        .singleElement()
        .asString()
        .contains("(Service s): cannot be read");
  }
}
