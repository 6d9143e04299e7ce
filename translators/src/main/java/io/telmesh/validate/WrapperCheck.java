package io.telmesh.validate;

import com.google.protobuf.Message;

/** Scalar rules on a wrapper field ({@code UInt32Value} …) apply to its value when it is set. */
record WrapperCheck(ValueCheck inner) implements ValueCheck {

  @Override
  public void check(Object value, Walk walk) {
    inner.check(WellKnownMessages.wrapped((Message) value), walk);
  }
}
