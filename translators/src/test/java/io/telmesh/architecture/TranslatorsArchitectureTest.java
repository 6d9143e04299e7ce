package io.telmesh.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.io.FileWriter;
import java.io.RandomAccessFile;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.util.Timer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The translators module is pure (DESIGN.md): Kubernetes objects in, Envoy resources out, no I/O
 * and no threads of its own; and its packages depend on each other in one direction only.
 */
class TranslatorsArchitectureTest {

  private static JavaClasses translators;

  @BeforeAll
  static void importClasses() {
    translators =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.telmesh");
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("io.telmesh.(*)..").should().beFreeOfCycles().check(translators);
  }

  @Test
  void translatorsDoNoIo() {
    noClasses()
        .that()
        .resideInAPackage("io.telmesh..")
        .and()
        .resideOutsideOfPackage(
            "io.telmesh.proto..") // generated code offers parseFrom(InputStream)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "java.nio.file..",
            "java.nio.channels..",
            "java.net.http..",
            "io.grpc..",
            "io.fabric8.kubernetes.client..",
            "com.sun.net.httpserver..",
            "org.slf4j..",
            "java.util.logging..")
        .orShould()
        .dependOnClassesThat()
        .belongToAnyOf(
            File.class,
            FileInputStream.class,
            FileOutputStream.class,
            FileReader.class,
            FileWriter.class,
            RandomAccessFile.class,
            Socket.class,
            ServerSocket.class,
            DatagramSocket.class,
            URL.class,
            ProcessBuilder.class,
            Process.class,
            Thread.class,
            Timer.class,
            ExecutorService.class,
            ScheduledExecutorService.class,
            Executors.class)
        .orShould()
        .callMethod(InetAddress.class, "getByName", String.class)
        .orShould()
        .callMethod(InetAddress.class, "getAllByName", String.class)
        .orShould()
        .callMethod(InetAddress.class, "getLocalHost")
        .orShould()
        .callMethod(System.class, "getenv", String.class)
        .orShould()
        .callMethod(System.class, "getenv")
        .because("translation is a pure function of the mesh state and the proxy (DESIGN.md)")
        .check(translators);
  }
}
