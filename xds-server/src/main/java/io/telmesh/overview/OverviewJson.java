package io.telmesh.overview;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The overview as JSON: record components become fields, in declaration order, so the documented
 * shape is the records' shape.
 */
public final class OverviewJson {

  private final JsonMapper mapper =
      JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  public String write(Object value) {
    return mapper.writeValueAsString(value) + "\n";
  }
}
