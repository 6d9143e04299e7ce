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
import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.api.LoadSettings;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Multi-document Kubernetes YAML to fabric8 model objects (Jackson YAML and fabric8's own
 * kind-based deserializer). A document that does not parse is a problem naming the source and the
 * document; the other documents are still read. Documents are converted as they are read, so a
 * large file never holds its whole tree and its objects at once.
 */
public final class ManifestParser {

  /**
   * What one text yielded: the objects telmesh watches, the problems, and how many documents it
   * held (an empty file holds none).
   */
  public record Parsed(List<HasMetadata> objects, List<Problem> problems, int documents) {
    public Parsed {
      objects = List.copyOf(objects);
      problems = List.copyOf(problems);
    }

    /** Read without a single problem: fit to replace what the source said before. */
    public boolean clean() {
      return problems.isEmpty();
    }
  }

  /**
   * How much one text may hold.
   *
   * @param maxDocuments documents per text; the rest are not read
   * @param maxDocumentCodePoints characters per document (the YAML reader's own limit; a {@code
   *     kubectl get -o yaml} List is one document)
   */
  public record Limits(int maxDocuments, int maxDocumentCodePoints) {
    public static final Limits DEFAULT = new Limits(5000, 8 << 20);

    public Limits {
      if (maxDocuments < 1 || maxDocumentCodePoints < 1) {
        throw new IllegalArgumentException("manifest limits must be positive");
      }
    }
  }

  private final ObjectMapper mapper;
  private final Limits limits;

  public ManifestParser() {
    this(Limits.DEFAULT);
  }

  public ManifestParser(Limits limits) {
    this.limits = limits;
    SimpleModule kubernetes = new SimpleModule("telmesh-kubernetes");
    kubernetes.addDeserializer(KubernetesResource.class, new KubernetesDeserializer());
    YAMLFactory yaml =
        YAMLFactory.builder()
            .loadSettings(
                LoadSettings.builder()
                    .setCodePointLimit(limits.maxDocumentCodePoints())
                    // Billion-laughs: Kubernetes manifests have no use for aliases in bulk.
                    .setMaxAliasesForCollections(50)
                    .build())
            .build();
    this.mapper = YAMLMapper.builder(yaml).addModule(kubernetes).build();
  }

  /** {@link #parse(String, Reader)} of a text in memory. */
  public Parsed parse(String source, String yaml) {
    return parse(source, new StringReader(yaml));
  }

  /**
   * Reads every document of a YAML or JSON text; what cannot be read is a problem, not an error.
   *
   * @param source a name for problems (a file path, "bundled demo")
   * @param reader the text; an {@link IOException} it throws (a time limit, say) ends the reading
   *     with a problem carrying its message
   */
  public Parsed parse(String source, Reader reader) {
    List<HasMetadata> objects = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    ObjectRef manifest = new ObjectRef("Manifest", "", source);
    int documents = 0;
    try (MappingIterator<JsonNode> iterator = mapper.readerFor(JsonNode.class).readValues(reader)) {
      while (iterator.hasNextValue()) {
        JsonNode document = iterator.nextValue();
        if (document == null || document.isNull() || document.isMissingNode()) {
          continue;
        }
        documents++;
        if (documents > limits.maxDocuments()) {
          problems.add(
              Problem.of(
                  manifest,
                  "document " + documents,
                  "more than "
                      + limits.maxDocuments()
                      + " documents (the limit per file); the rest are not read"));
          break;
        }
        readDocument(source, "document " + documents, document, objects, problems);
      }
    } catch (JacksonIOException e) {
      problems.add(
          Problem.of(
              manifest,
              "document " + (documents + 1),
              "cannot be read: "
                  + oneLine(
                      e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage())));
    } catch (JacksonException e) {
      String unreadable = ioFailure(e);
      if (unreadable != null) {
        problems.add(
            Problem.of(manifest, "document " + (documents + 1), "cannot be read: " + unreadable));
        return new Parsed(objects, problems, documents);
      }
      problems.add(
          Problem.of(
              manifest,
              "document " + (documents + 1),
              "broken YAML: " + oneLine(e.getOriginalMessage()) + location(e)));
    }
    return new Parsed(objects, problems, documents);
  }

  private void readDocument(
      String source,
      String where,
      JsonNode document,
      List<HasMetadata> objects,
      List<Problem> problems) {
    if (!document.isObject() || !document.has("kind") || !document.has("apiVersion")) {
      problems.add(
          Problem.of(
              new ObjectRef("Manifest", "", source),
              where,
              "not a Kubernetes object (needs apiVersion and kind)"));
      return;
    }
    if ("List".equals(document.path("kind").asString("")) && document.path("items").isArray()) {
      int j = 0;
      for (JsonNode item : document.path("items").values()) {
        read(source, where + " item " + j++, item, objects, problems);
      }
      return;
    }
    read(source, where, document, objects, problems);
  }

  /**
   * The message of the reader's own failure (a time limit, bytes that are not UTF-8) when that is
   * what ended the parse: the YAML reader wraps it in its own exception.
   */
  private static String ioFailure(Throwable e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof java.io.IOException && !(t instanceof JacksonException)) {
        return oneLine(t.getMessage());
      }
    }
    return null;
  }

  private static String location(JacksonException e) {
    return e.getLocation() != null && e.getLocation().getLineNr() > 0
        ? " (line " + e.getLocation().getLineNr() + ")"
        : "";
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

  /** Whether the mesh is built from objects of this kind (the rest are read and dropped). */
  public static boolean isWatched(HasMetadata object) {
    return object instanceof Service
        || object instanceof EndpointSlice
        || object instanceof Pod
        || isNetworkAttachment(object)
        || (object instanceof GenericKubernetesResource g && IstioObject.isApplied(g));
  }

  private static boolean isNetworkAttachment(HasMetadata object) {
    return object instanceof GenericKubernetesResource g
        && KubeObjects.NAD_KIND.equals(g.getKind())
        && KubeObjects.NAD_API_VERSION.equals(g.getApiVersion());
  }

  /** Sorts parsed objects into what the mesh is built from. */
  public static KubeObjects toKubeObjects(List<HasMetadata> objects, List<Problem> problems) {
    List<Service> services = new ArrayList<>();
    List<EndpointSlice> slices = new ArrayList<>();
    List<Pod> pods = new ArrayList<>();
    List<GenericKubernetesResource> networks = new ArrayList<>();
    List<GenericKubernetesResource> rules = new ArrayList<>();
    for (HasMetadata object : objects) {
      if (object instanceof Service s) {
        services.add(s);
      } else if (object instanceof EndpointSlice e) {
        slices.add(e);
      } else if (object instanceof Pod p) {
        pods.add(p);
      } else if (isNetworkAttachment(object)) {
        networks.add((GenericKubernetesResource) object);
      } else if (object instanceof GenericKubernetesResource g && IstioObject.isApplied(g)) {
        rules.add(g);
      }
    }
    return new KubeObjects(services, slices, pods, networks, problems, rules);
  }

  private static String oneLine(String message) {
    String text = message == null ? "unknown error" : message.replaceAll("\\s+", " ").strip();
    return text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }
}
