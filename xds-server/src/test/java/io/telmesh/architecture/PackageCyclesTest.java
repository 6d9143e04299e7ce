package io.telmesh.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Every telmesh package of both modules (the server's and, from the class path, the translators')
 * depends on others in one direction only: sources, model, translator, push, serving read top-down.
 */
class PackageCyclesTest {

  /** Test classes, in directories or in the translators' test jar, may reach across packages. */
  private static final ImportOption NO_TESTS =
      location -> !location.contains("/test-classes/") && !location.contains("-tests.jar");

  @Test
  void noPackageCyclesAcrossModules() {
    JavaClasses all =
        new ClassFileImporter().withImportOption(NO_TESTS).importPackages("io.telmesh");
    slices().matching("io.telmesh.(*)..").should().beFreeOfCycles().check(all);
  }
}
