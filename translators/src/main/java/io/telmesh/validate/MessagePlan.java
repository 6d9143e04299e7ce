package io.telmesh.validate;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import java.util.List;

/**
 * The compiled checks of one message type: only the fields that carry rules or lead to a message
 * that does; {@code any} marks {@code google.protobuf.Any}, whose content is unpacked and checked.
 */
record MessagePlan(
    Descriptor type, List<FieldPlan> fields, List<OneofDescriptor> requiredOneofs, boolean any) {

  MessagePlan {
    fields = List.copyOf(fields);
    requiredOneofs = List.copyOf(requiredOneofs);
  }
}
