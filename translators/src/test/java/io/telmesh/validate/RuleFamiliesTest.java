package io.telmesh.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import io.envoyproxy.pgv.validate.Validate;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The rule families Envoy's protos do not use today (so no Envoy message can exercise them), on
 * message types built at run time: the validator must enforce whatever a descriptor declares,
 * including options left unresolved by a runtime that did not know the extension.
 */
class RuleFamiliesTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /** One field of a probe message: name, proto type, rules, whether the rules stay unresolved. */
  private record Spec(
      String name,
      FieldDescriptorProto.Type type,
      String typeName,
      FieldRules rules,
      boolean unresolved) {
    static Spec of(String name, FieldDescriptorProto.Type type, FieldRules rules) {
      return new Spec(name, type, null, rules, false);
    }
  }

  private static Descriptor probe(boolean disabled, boolean requiredOneof, Spec... specs) {
    DescriptorProto.Builder message = DescriptorProto.newBuilder().setName("Probe");
    if (disabled) {
      message.setOptions(MessageOptions.newBuilder().setExtension(Validate.disabled, true));
    }
    int number = 1;
    for (Spec spec : specs) {
      FieldDescriptorProto.Builder field =
          FieldDescriptorProto.newBuilder()
              .setName(spec.name())
              .setNumber(number++)
              .setType(spec.type())
              .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
      if (spec.typeName() != null) {
        field.setTypeName(spec.typeName());
      }
      if (spec.unresolved()) {
        field.setOptions(
            FieldOptions.newBuilder()
                .setUnknownFields(
                    UnknownFieldSet.newBuilder()
                        .addField(
                            Validate.rules.getNumber(),
                            UnknownFieldSet.Field.newBuilder()
                                .addLengthDelimited(spec.rules().toByteString())
                                .build())
                        .build()));
      } else if (spec.rules() != null) {
        field.setOptions(FieldOptions.newBuilder().setExtension(Validate.rules, spec.rules()));
      }
      message.addField(field);
    }
    if (requiredOneof) {
      message.addOneofDecl(
          OneofDescriptorProto.newBuilder()
              .setName("choice")
              .setOptions(
                  com.google.protobuf.DescriptorProtos.OneofOptions.newBuilder()
                      .setExtension(Validate.required, true)));
      message.addField(
          FieldDescriptorProto.newBuilder()
              .setName("a")
              .setNumber(number++)
              .setOneofIndex(0)
              .setType(FieldDescriptorProto.Type.TYPE_STRING)
              .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL));
      message.addField(
          FieldDescriptorProto.newBuilder()
              .setName("b")
              .setNumber(number)
              .setOneofIndex(0)
              .setType(FieldDescriptorProto.Type.TYPE_STRING)
              .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL));
    }
    FileDescriptorProto file =
        FileDescriptorProto.newBuilder()
            .setName("probe.proto")
            .setPackage("probe")
            .setSyntax("proto3")
            .addDependency("google/protobuf/timestamp.proto")
            .addMessageType(message)
            .build();
    try {
      return FileDescriptor.buildFrom(
              file, new FileDescriptor[] {Timestamp.getDescriptor().getFile()})
          .findMessageTypeByName("Probe");
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Violation> validate(Descriptor type, DynamicMessage message) {
    ProtoConstraintValidator validator =
        ProtoConstraintValidator.of(
            List.of(type), url -> Optional.empty(), Clock.fixed(NOW, ZoneOffset.UTC));
    return validator.validate("Probe", "p", message);
  }

  private static DynamicMessage with(Descriptor type, String field, Object value) {
    return DynamicMessage.newBuilder(type).setField(type.findFieldByName(field), value).build();
  }

  private static FieldRules string(Validate.StringRules.Builder rules) {
    return FieldRules.newBuilder().setString(rules).build();
  }

  @Test
  void unresolvedOptionsAreReparsedNotIgnored() {
    Descriptor type =
        probe(
            false,
            false,
            new Spec(
                "name",
                FieldDescriptorProto.Type.TYPE_STRING,
                null,
                string(Validate.StringRules.newBuilder().setMinLen(3)),
                true));
    assertThat(type.findFieldByName("name").getOptions().hasExtension(Validate.rules)).isFalse();
    assertThat(validate(type, with(type, "name", "ab")))
        .extracting(Violation::rule)
        .containsExactly("string.min_len");
    assertThat(validate(type, with(type, "name", "abc"))).isEmpty();
  }

  @Test
  void disabledMessagesAreNotChecked() {
    Spec spec =
        Spec.of(
            "name",
            FieldDescriptorProto.Type.TYPE_STRING,
            string(Validate.StringRules.newBuilder().setMinLen(3)));
    Descriptor disabled = probe(true, false, spec);
    assertThat(validate(disabled, with(disabled, "name", ""))).isEmpty();
    Descriptor enabled = probe(false, false, spec);
    assertThat(validate(enabled, with(enabled, "name", ""))).isNotEmpty();
  }

  @Test
  void requiredOneofIsReportedOnTheOneofName() {
    Descriptor type = probe(false, true);
    Violation v = validate(type, DynamicMessage.getDefaultInstance(type)).get(0);
    assertThat(v.path()).isEqualTo("choice");
    assertThat(v.rule()).isEqualTo("oneof.required");
    assertThat(validate(type, with(type, "b", ""))).isEmpty();
  }

  @Test
  void stringFormats() {
    Object[][] cases = {
      {
        Validate.StringRules.newBuilder().setHostname(true),
        "xds.telmesh-system.svc",
        "-bad-.example",
        "hostname"
      },
      {Validate.StringRules.newBuilder().setIp(true), "fd00::1", "10.0.0.256", "ip"},
      {Validate.StringRules.newBuilder().setIpv4(true), "10.0.0.1", "fd00::1", "ipv4"},
      {Validate.StringRules.newBuilder().setIpv6(true), "fd00::1", "10.0.0.1", "ipv6"},
      {
        Validate.StringRules.newBuilder().setAddress(true),
        "istiod.istio-system.svc",
        "no spaces",
        "address"
      },
      {Validate.StringRules.newBuilder().setEmail(true), "ops@telmesh.io", "ops@@", "email"},
      {Validate.StringRules.newBuilder().setUri(true), "https://telmesh.io/x", "/relative", "uri"},
      {Validate.StringRules.newBuilder().setUriRef(true), "/relative", "a b", "uri_ref"},
      {
        Validate.StringRules.newBuilder().setUuid(true),
        "123e4567-e89b-12d3-a456-426614174000",
        "123",
        "uuid"
      },
      {
        Validate.StringRules.newBuilder().setWellKnownRegex(Validate.KnownRegex.HTTP_HEADER_NAME),
        ":authority",
        "x y",
        "well_known_regex"
      },
      {
        Validate.StringRules.newBuilder().setWellKnownRegex(Validate.KnownRegex.HTTP_HEADER_VALUE),
        "a\tb",
        "a\u0001",
        "well_known_regex"
      },
      {Validate.StringRules.newBuilder().setPrefix("%").setSuffix("%"), "%X%", "X%", "prefix"},
      {Validate.StringRules.newBuilder().setContains("@"), "a@b", "ab", "contains"},
      {Validate.StringRules.newBuilder().setNotContains("@"), "ab", "a@b", "not_contains"},
      {Validate.StringRules.newBuilder().addIn("http").addIn("https"), "http", "ftp", "in"},
      {Validate.StringRules.newBuilder().addNotIn("admin"), "user", "admin", "not_in"},
      {Validate.StringRules.newBuilder().setConst("v3"), "v3", "v2", "const"},
      {Validate.StringRules.newBuilder().setLen(2), "éé", "é", "len"},
      {Validate.StringRules.newBuilder().setMaxBytes(2), "ab", "é1", "max_bytes"},
      {Validate.StringRules.newBuilder().setPattern("^[a-z]+$"), "abc", "abc\n", "pattern"},
    };
    for (Object[] c : cases) {
      Descriptor type =
          probe(
              false,
              false,
              Spec.of(
                  "s",
                  FieldDescriptorProto.Type.TYPE_STRING,
                  string((Validate.StringRules.Builder) c[0])));
      assertThat(validate(type, with(type, "s", c[1]))).as("%s accepts %s", c[3], c[1]).isEmpty();
      assertThat(validate(type, with(type, "s", c[2])))
          .as("%s refuses %s", c[3], c[2])
          .extracting(Violation::rule)
          .containsExactly("string." + c[3]);
    }
  }

  @Test
  void ignoreEmptySkipsTheOtherRules() {
    Descriptor type =
        probe(
            false,
            false,
            Spec.of(
                "s",
                FieldDescriptorProto.Type.TYPE_STRING,
                string(Validate.StringRules.newBuilder().setMinLen(5).setIgnoreEmpty(true))));
    assertThat(validate(type, with(type, "s", ""))).isEmpty();
    assertThat(validate(type, with(type, "s", "abc")))
        .extracting(Violation::rule)
        .containsExactly("string.min_len");
  }

  @Test
  void numericRangesInsideAndOutside() {
    Descriptor inside =
        probe(
            false,
            false,
            Spec.of(
                "n",
                FieldDescriptorProto.Type.TYPE_INT32,
                FieldRules.newBuilder()
                    .setInt32(Validate.Int32Rules.newBuilder().setGte(-5).setLt(5))
                    .build()));
    assertThat(validate(inside, with(inside, "n", -5))).isEmpty();
    assertThat(validate(inside, with(inside, "n", 5)))
        .extracting(Violation::rule)
        .containsExactly("int32.lt");
    assertThat(validate(inside, with(inside, "n", -6)))
        .extracting(Violation::rule)
        .containsExactly("int32.gte");
    // lt below gt: the value must lie outside [lt, gt].
    Descriptor outside =
        probe(
            false,
            false,
            Spec.of(
                "n",
                FieldDescriptorProto.Type.TYPE_INT64,
                FieldRules.newBuilder()
                    .setInt64(Validate.Int64Rules.newBuilder().setGt(10).setLt(0))
                    .build()));
    assertThat(validate(outside, with(outside, "n", -1L))).isEmpty();
    assertThat(validate(outside, with(outside, "n", 11L))).isEmpty();
    assertThat(validate(outside, with(outside, "n", 5L)))
        .extracting(Violation::rule)
        .containsExactly("int64.gt_lt");
  }

  @Test
  void unsignedValuesCompareUnsigned() {
    Descriptor type =
        probe(
            false,
            false,
            Spec.of(
                "n",
                FieldDescriptorProto.Type.TYPE_UINT32,
                FieldRules.newBuilder()
                    .setUint32(Validate.UInt32Rules.newBuilder().setLte(100))
                    .build()));
    // 0xFFFFFFFF is 4294967295 as uint32, not -1.
    assertThat(validate(type, with(type, "n", -1)))
        .extracting(Violation::message)
        .containsExactly("must be at most 100, is 4294967295");
  }

  @Test
  void numericSetsAndConst() {
    Descriptor type =
        probe(
            false,
            false,
            Spec.of(
                "n",
                FieldDescriptorProto.Type.TYPE_DOUBLE,
                FieldRules.newBuilder()
                    .setDouble(Validate.DoubleRules.newBuilder().addIn(0.5).addIn(1.5))
                    .build()));
    assertThat(validate(type, with(type, "n", 1.5))).isEmpty();
    assertThat(validate(type, with(type, "n", 1.0)))
        .extracting(Violation::rule)
        .containsExactly("double.in");
    Descriptor constant =
        probe(
            false,
            false,
            Spec.of(
                "n",
                FieldDescriptorProto.Type.TYPE_FIXED32,
                FieldRules.newBuilder()
                    .setFixed32(Validate.Fixed32Rules.newBuilder().setConst(7))
                    .build()));
    assertThat(validate(constant, with(constant, "n", 8)))
        .extracting(Violation::rule)
        .containsExactly("fixed32.const");
  }

  @Test
  void bytesRules() {
    Descriptor type =
        probe(
            false,
            false,
            Spec.of(
                "b",
                FieldDescriptorProto.Type.TYPE_BYTES,
                FieldRules.newBuilder()
                    .setBytes(Validate.BytesRules.newBuilder().setIpv4(true))
                    .build()));
    assertThat(validate(type, with(type, "b", ByteString.copyFrom(new byte[] {10, 0, 0, 1}))))
        .isEmpty();
    assertThat(validate(type, with(type, "b", ByteString.copyFromUtf8("10.0.0.1"))))
        .extracting(Violation::rule)
        .containsExactly("bytes.ipv4");
    Descriptor pattern =
        probe(
            false,
            false,
            Spec.of(
                "b",
                FieldDescriptorProto.Type.TYPE_BYTES,
                FieldRules.newBuilder()
                    .setBytes(
                        Validate.BytesRules.newBuilder()
                            .setPattern("^x+$")
                            .setContains(ByteString.copyFromUtf8("xx")))
                    .build()));
    assertThat(validate(pattern, with(pattern, "b", ByteString.copyFromUtf8("xxx")))).isEmpty();
    assertThat(validate(pattern, with(pattern, "b", ByteString.copyFromUtf8("xy"))))
        .extracting(Violation::rule)
        .containsExactly("bytes.contains", "bytes.pattern");
  }

  @Test
  void timestampRulesUseTheValidatorsClock() {
    FieldRules rules =
        FieldRules.newBuilder()
            .setTimestamp(
                Validate.TimestampRules.newBuilder()
                    .setRequired(true)
                    .setLtNow(true)
                    .setWithin(com.google.protobuf.Duration.newBuilder().setSeconds(3600)))
            .build();
    Descriptor type =
        probe(
            false,
            false,
            new Spec(
                "t",
                FieldDescriptorProto.Type.TYPE_MESSAGE,
                ".google.protobuf.Timestamp",
                rules,
                false));
    assertThat(validate(type, DynamicMessage.getDefaultInstance(type)))
        .extracting(Violation::rule)
        .containsExactly("timestamp.required");
    Timestamp past = Timestamp.newBuilder().setSeconds(NOW.getEpochSecond() - 60).build();
    assertThat(validate(type, with(type, "t", past))).isEmpty();
    Timestamp future = Timestamp.newBuilder().setSeconds(NOW.getEpochSecond() + 60).build();
    assertThat(validate(type, with(type, "t", future)))
        .extracting(Violation::rule)
        .containsExactly("timestamp.lt_now");
    Timestamp old = Timestamp.newBuilder().setSeconds(NOW.getEpochSecond() - 7200).build();
    assertThat(validate(type, with(type, "t", old)))
        .extracting(Violation::rule)
        .containsExactly("timestamp.within");
  }

  @Test
  void repeatedCountsAndItems() {
    FieldDescriptorProto.Type type = FieldDescriptorProto.Type.TYPE_STRING;
    FieldRules rules =
        FieldRules.newBuilder()
            .setRepeated(
                Validate.RepeatedRules.newBuilder()
                    .setMaxItems(2)
                    .setUnique(true)
                    .setItems(string(Validate.StringRules.newBuilder().setMinLen(1))))
            .build();
    Descriptor probe = probeRepeated(type, rules);
    DynamicMessage message =
        DynamicMessage.newBuilder(probe)
            .addRepeatedField(probe.findFieldByName("r"), "a")
            .addRepeatedField(probe.findFieldByName("r"), "a")
            .addRepeatedField(probe.findFieldByName("r"), "")
            .build();
    assertThat(validate(probe, message))
        .extracting(v -> v.path() + " " + v.rule())
        .containsExactly(
            "r repeated.max_items", "r[1] repeated.unique", "r[2] repeated.items.string.min_len");
  }

  private static Descriptor probeRepeated(FieldDescriptorProto.Type type, FieldRules rules) {
    FileDescriptorProto file =
        FileDescriptorProto.newBuilder()
            .setName("repeated.proto")
            .setPackage("probe")
            .setSyntax("proto3")
            .addMessageType(
                DescriptorProto.newBuilder()
                    .setName("Probe")
                    .addField(
                        FieldDescriptorProto.newBuilder()
                            .setName("r")
                            .setNumber(1)
                            .setType(type)
                            .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)
                            .setOptions(
                                FieldOptions.newBuilder().setExtension(Validate.rules, rules))))
            .build();
    try {
      return FileDescriptor.buildFrom(file, new FileDescriptor[0]).findMessageTypeByName("Probe");
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException(e);
    }
  }
}
