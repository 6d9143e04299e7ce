package io.telmesh.cli;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** {@code -o json|yaml}: JSON is printed as built; YAML is the same tree re-emitted. */
enum OutputFormat {
  json,
  yaml;

  String render(String jsonText) {
    if (this == OutputFormat.json) {
      return jsonText;
    }
    JsonNode tree = JsonMapper.builder().build().readTree(jsonText);
    return YAMLMapper.builder().build().writeValueAsString(tree);
  }
}
