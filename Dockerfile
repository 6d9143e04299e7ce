# The telmesh image: `telmesh serve` by default, and the CLI that a pod's init containers run
# (`telmesh bootstrap --kubernetes`, `telmesh iptables --kubernetes --apply`).
#
# Build the jar first, then the image from the repository root:
#   mvn -B -DskipTests package -pl xds-server -am
#   docker build -t telmesh:dev .
# Pinned by digest (the multi-arch index of eclipse-temurin:17-jre when pinned) so a rebuild gets the
# same base; move the digest deliberately, with the tag, when the JRE needs an update.
FROM eclipse-temurin:17-jre@sha256:13cc28a6cc72a38ce1f00c906be3580c1a3e604b8984d694f369a96742abc93b

# iptables (iptables-restore/-save, ip6tables-*) and iproute2 (ip) for `telmesh iptables --apply`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends iptables iproute2 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 telmesh \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/telmesh --no-create-home \
      --shell /usr/sbin/nologin telmesh

COPY xds-server/target/telmesh.jar /opt/telmesh/telmesh.jar
# An application class data sharing archive, trained by serving the bundled demo for 15 s (SIGTERM
# ends it; the JVM writes the archive on the way out): the classes telmesh loads are then mapped
# at each start instead of read from the jar and verified. On the reference mesh it takes about a
# quarter off the time to /ready (docs/benchmarks.md, "Time to ready"). The JVM checks the archive
# against this jar and JDK and ignores it, with a warning, if either differs.
RUN timeout -s TERM 15 java -XX:ArchiveClassesAtExit=/opt/telmesh/telmesh.jsa \
      -jar /opt/telmesh/telmesh.jar serve --bind 127.0.0.1 > /dev/null 2>&1; \
    test -s /opt/telmesh/telmesh.jsa
# Same contract as the repository's ./telmesh launcher: extra JVM options in TELMESH_JAVA_OPTS.
# HotSpot prints its own warnings to stdout; stdout is data here (a bootstrap, an iptables
# payload), so they go to stderr. Out of memory, the process exits rather than live half dead.
RUN printf '#!/bin/sh\nexec java -XX:+DisplayVMOutputToStderr -XX:+ExitOnOutOfMemoryError -XX:SharedArchiveFile=/opt/telmesh/telmesh.jsa ${TELMESH_JAVA_OPTS:-} -jar /opt/telmesh/telmesh.jar "$@"\n' \
      > /usr/local/bin/telmesh \
 && chmod 0755 /usr/local/bin/telmesh

# Non-root by default; only the capture init container runs as root (with NET_ADMIN and NET_RAW).
USER 10001:10001
EXPOSE 15010 15014
ENTRYPOINT ["telmesh"]
CMD ["serve", "--kubernetes"]
