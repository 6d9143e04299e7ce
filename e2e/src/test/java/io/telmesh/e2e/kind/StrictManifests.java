package io.telmesh.e2e.kind;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.telmesh.kube.KubeObjects;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Kubernetes YAML read into fabric8's model classes, strictly. fabric8 keeps fields it does not
 * know in each object's {@code additionalProperties} instead of failing, so after parsing every
 * model object reachable from the document is walked and any such leftover is a finding: a typo
 * such as {@code contianers:} or {@code imagePullPolic:} fails. Free-form parts of Kubernetes are
 * typed maps in the model (labels, annotations, ConfigMap data) and pass; the only generic resource
 * allowed is a NetworkAttachmentDefinition, whose {@code spec} must be exactly a {@code config}
 * string of CNI JSON.
 */
final class StrictManifests {

  /** One YAML document of a file. */
  record Document(Path file, int index, JsonNode node) {
    String where() {
      return file
          + " document "
          + index
          + " ("
          + node.path("kind").asString("?")
          + " "
          + node.path("metadata").path("name").asString("?")
          + ")";
    }

    String apiVersion() {
      return node.path("apiVersion").asString("");
    }

    String kind() {
      return node.path("kind").asString("");
    }
  }

  /** A document read into the model, and what is wrong with it (empty: nothing). */
  record Parsed(Document document, HasMetadata object, List<String> findings) {}

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final YAMLMapper YAML = YAMLMapper.builder().build();

  private StrictManifests() {}

  static List<Document> documents(Path file) throws IOException {
    List<Document> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> iterator =
        YAML.readerFor(JsonNode.class).readValues(Files.readString(file))) {
      int index = 0;
      while (iterator.hasNextValue()) {
        JsonNode node = iterator.nextValue();
        index++;
        if (node != null && !node.isNull() && !node.isMissingNode()) {
          documents.add(new Document(file, index, node));
        }
      }
    }
    return documents;
  }

  static Parsed parse(Document document) {
    List<String> findings = new ArrayList<>();
    KubernetesResource resource;
    try {
      resource = SERIALIZATION.unmarshal(document.node().toString(), KubernetesResource.class);
    } catch (JacksonException | KubernetesClientException | IllegalArgumentException e) {
      Throwable cause = e.getCause() instanceof JacksonException jackson ? jackson : e;
      String message =
          cause instanceof JacksonException jackson
              ? jackson.getOriginalMessage()
              : cause.getMessage();
      return new Parsed(document, null, List.of(document.where() + ": cannot be read: " + message));
    }
    if (!(resource instanceof HasMetadata object)) {
      return new Parsed(document, null, List.of(document.where() + ": not a Kubernetes object"));
    }
    if (object instanceof GenericKubernetesResource generic) {
      if (!KubeObjects.NAD_API_VERSION.equals(generic.getApiVersion())
          || !KubeObjects.NAD_KIND.equals(generic.getKind())) {
        findings.add(
            document.where()
                + ": fabric8 has no model for "
                + generic.getApiVersion()
                + " "
                + generic.getKind()
                + " (a typo in apiVersion or kind?)");
      } else {
        checkNetworkAttachment(document, generic, findings);
      }
      walk(generic.getMetadata(), document.where() + " metadata", findings);
    } else {
      walk(object, document.where(), findings);
    }
    return new Parsed(document, object, findings);
  }

  /** {@code spec: {config: '<CNI JSON>'}}, nothing else. */
  private static void checkNetworkAttachment(
      Document document, GenericKubernetesResource nad, List<String> findings) {
    Map<String, Object> extra = nad.getAdditionalProperties();
    if (!extra.keySet().equals(Set.of("spec"))) {
      findings.add(
          document.where()
              + ": a NetworkAttachmentDefinition has exactly a spec besides its metadata, not "
              + new TreeSet<>(extra.keySet()));
      return;
    }
    if (!(extra.get("spec") instanceof Map<?, ?> spec)
        || !spec.keySet().equals(Set.of("config"))
        || !(spec.get("config") instanceof String config)) {
      findings.add(document.where() + ": spec must be exactly {config: <CNI JSON string>}");
      return;
    }
    try {
      JsonNode cni = JsonMapper.builder().build().readTree(config);
      if (!cni.isObject()
          || !cni.has("cniVersion")
          || !(cni.has("type") || cni.path("plugins").isArray())) {
        findings.add(
            document.where()
                + ": spec.config is not a CNI config (cniVersion and type or plugins)");
      }
    } catch (JacksonException e) {
      findings.add(document.where() + ": spec.config is not JSON: " + e.getOriginalMessage());
    }
  }

  /** Every fabric8 model object below {@code value}: its additionalProperties must be empty. */
  static void walk(Object value, String path, List<String> findings) {
    if (value == null) {
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((key, item) -> walk(item, path + "." + key, findings));
      return;
    }
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        walk(item, path + "[" + i++ + "]", findings);
      }
      return;
    }
    Class<?> type = value.getClass();
    if (!type.getName().startsWith("io.fabric8.") || type.isEnum()) {
      return;
    }
    for (Class<?> c = type;
        c != null && c.getName().startsWith("io.fabric8.");
        c = c.getSuperclass()) {
      for (Field field : c.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        Object fieldValue;
        try {
          field.setAccessible(true);
          fieldValue = field.get(value);
        } catch (ReflectiveOperationException | RuntimeException e) {
          throw new IllegalStateException("cannot read " + c.getName() + "." + field.getName(), e);
        }
        if (field.getName().equals("additionalProperties")) {
          if (fieldValue instanceof Map<?, ?> extra && !extra.isEmpty()) {
            findings.add(
                path
                    + ": unknown field(s) "
                    + new TreeSet<>(extra.keySet().stream().map(String::valueOf).toList())
                    + " in "
                    + type.getSimpleName());
          }
          continue;
        }
        walk(fieldValue, path + "." + field.getName(), findings);
      }
    }
  }
}
