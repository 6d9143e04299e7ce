/** The {@code telmesh} command line (picocli): one class per subcommand. */
package io.telmesh.cli;
