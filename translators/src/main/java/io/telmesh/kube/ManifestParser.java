package io.telmesh.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.internal.KubernetesDeserializer;
import io.telmesh.model.ObjectRef;
import io.telmesh.model.Problem;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Multi-document Kubernetes YAML to fabric8 model objects (Jackson YAML and fabric8's own
 * kind-based deserializer). A document that does not parse is a problem naming the source and the
 * document; the other documents are still read.
 */
public final class ManifestParser {

  /** What one text yielded: the objects telmesh watches, the others it ignores, and problems. */
  public record Parsed(List<HasMetadata> objects, List<Problem> problems) {}

  private final ObjectMapper mapper;

  public ManifestParser() {
    SimpleModule kubernetes = new SimpleModule("telmesh-kubernetes");
    kubernetes.addDeserializer(KubernetesResource.class, new KubernetesDeserializer());
    this.mapper = YAMLMapper.builder().addModule(kubernetes).build();
  }

  /**
   * Reads every document of a YAML or JSON text; what cannot be read is a problem, not an error.
   *
   * @param source a name for problems (a file path, "bundled demo")
   */
  public Parsed parse(String source, String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    List<JsonNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> iterator = mapper.readerFor(JsonNode.class).readValues(yaml)) {
      while (iterator.hasNextValue()) {
        documents.add(iterator.nextValue());
      }
    } catch (JacksonException e) {
      problems.add(
          Problem.of(
              new ObjectRef("Manifest", "", source),
              "document " + (documents.size() + 1),
              "broken YAML: "
                  + oneLine(e.getOriginalMessage())
                  + (documents.isEmpty()
                      ? ""
                      : "; the " + documents.size() + " document(s) before it are used")));
    }
    for (int i = 0; i < documents.size(); i++) {
      JsonNode document = documents.get(i);
      if (document == null || document.isNull() || document.isMissingNode()) {
        continue;
      }
      String where = "document " + (i + 1);
      if (!document.isObject() || !document.has("kind") || !document.has("apiVersion")) {
        problems.add(
            Problem.of(
                new ObjectRef("Manifest", "", source),
                where,
                "not a Kubernetes object (needs apiVersion and kind)"));
        continue;
      }
      if ("List".equals(document.path("kind").asString("")) && document.path("items").isArray()) {
        int j = 0;
        for (JsonNode item : document.path("items").values()) {
          read(source, where + " item " + j++, item, objects, problems);
        }
        continue;
      }
      read(source, where, document, objects, problems);
    }
    return new Parsed(List.copyOf(objects), List.copyOf(problems));
  }

  private void read(
      String source,
      String where,
      JsonNode node,
      List<HasMetadata> objects,
      List<Problem> problems) {
    try {
      KubernetesResource resource = mapper.treeToValue(node, KubernetesResource.class);
      if (resource instanceof HasMetadata object) {
        objects.add(object);
      }
    } catch (JacksonException | IllegalArgumentException e) {
      String kind = node.path("kind").asString("");
      String name = node.path("metadata").path("name").asString("");
      problems.add(
          Problem.of(
              new ObjectRef("Manifest", "", source),
              where + " (" + kind + " " + name + ")",
              "cannot be read: "
                  + oneLine(
                      e instanceof JacksonException je
                          ? je.getOriginalMessage()
                          : e.getMessage())));
    }
  }

  /** Sorts parsed objects into what the mesh is built from. */
  public static KubeObjects toKubeObjects(List<HasMetadata> objects, List<Problem> problems) {
    List<Service> services = new ArrayList<>();
    List<EndpointSlice> slices = new ArrayList<>();
    List<Pod> pods = new ArrayList<>();
    List<GenericKubernetesResource> networks = new ArrayList<>();
    for (HasMetadata object : objects) {
      if (object instanceof Service s) {
        services.add(s);
      } else if (object instanceof EndpointSlice e) {
        slices.add(e);
      } else if (object instanceof Pod p) {
        pods.add(p);
      } else if (object instanceof GenericKubernetesResource g
          && KubeObjects.NAD_KIND.equals(g.getKind())
          && KubeObjects.NAD_API_VERSION.equals(g.getApiVersion())) {
        networks.add(g);
      }
    }
    return new KubeObjects(services, slices, pods, networks, problems);
  }

  private static String oneLine(String message) {
    String text = message == null ? "unknown error" : message.replaceAll("\\s+", " ").strip();
    return text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }
}
