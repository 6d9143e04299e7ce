package io.telmesh.kube;

import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** JSON embedded in annotations and CNI configs, read as a tree (Jackson) and never trusted. */
final class Json {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private Json() {}

  /** Parses JSON text; the error message names what is wrong, without echoing the whole input. */
  static JsonNode parse(String text) throws MalformedJson {
    try {
      JsonNode node = MAPPER.readTree(text);
      if (node == null || node.isMissingNode()) {
        throw new MalformedJson("empty document");
      }
      return node;
    } catch (JacksonException e) {
      String message = e.getOriginalMessage();
      throw new MalformedJson(message.length() > 160 ? message.substring(0, 160) + "…" : message);
    }
  }

  /** A value fabric8 keeps untyped (a generic resource's spec) as a tree. */
  static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  static Optional<String> string(JsonNode object, String field) {
    JsonNode value = object.get(field);
    return value != null && value.isString() ? Optional.of(value.stringValue()) : Optional.empty();
  }

  static boolean bool(JsonNode object, String field) {
    JsonNode value = object.get(field);
    return value != null && value.isBoolean() && value.booleanValue();
  }

  /** Text JSON that failed to parse. */
  static final class MalformedJson extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedJson(String message) {
      super(message);
    }
  }
}
