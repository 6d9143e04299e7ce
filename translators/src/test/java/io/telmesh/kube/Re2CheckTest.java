package io.telmesh.kube;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which regexes telmesh lets through to Envoy's RE2, and why it stops the others. */
class Re2CheckTest {

  @Test
  void everydayRegexesPass() {
    for (String regex :
        new String[] {
          "/api/v[0-9]+/users/[^/]+",
          "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
          ".*\\.(jpg|png|gif)$",
          "(?i)^bearer [A-Za-z0-9._~+/-]+=*$",
          "[^/]{100}",
          "\\Q(literal)\\E[(]",
          "(?P<id>\\d+)"
        }) {
      assertThat(Re2Check.refusal(regex)).as(regex).isEmpty();
    }
  }

  @Test
  void whatRe2RefusesIsNamed() {
    assertThat(Re2Check.refusal("(?<=x)y")).get().asString().contains("is not an RE2 regex");
    assertThat(Re2Check.refusal("a{1001}")).get().asString().contains("is not an RE2 regex");
    assertThat(Re2Check.refusal("((a{10}){10}){11}")).get().asString().contains("multiply to 1100");
    // Each group's repetitions multiply only along their own nesting, not across siblings.
    assertThat(Re2Check.refusal("(a{500})(b{500})")).isEmpty();
    assertThat(Re2Check.refusal("\\p{L}{40}")).get().asString().contains("program limit");
    assertThat(Re2Check.refusal("x".repeat(1025))).get().asString().contains("1025 characters");
  }
}
