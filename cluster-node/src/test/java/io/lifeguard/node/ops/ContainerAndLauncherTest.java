package io.lifeguard.node.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lifeguard.node.testing.Processes;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs here, so the Dockerfile is checked against the build it claims to run;
 * the launcher is checked for syntax and usage (it was run for real by hand, see the runbook).
 */
class ContainerAndLauncherTest {
  @Test
  void dockerfileBuildsTheRealJarWithTheReadmeCommand() {
    String dockerfile = OpsFiles.read("ops/container/Dockerfile");
    assertTrue(dockerfile.contains("mvn -B -DskipTests package"), "same build command as the README");
    assertTrue(dockerfile.contains("cluster-node/target/lifeguard-node.jar"));
    assertTrue(OpsFiles.read("cluster-node/pom.xml").contains("<outputFile>${project.build.directory}/lifeguard-node.jar</outputFile>"),
        "the shade plugin still produces cluster-node/target/lifeguard-node.jar");
    for (String module : List.of("protocol", "sharding", "control-api", "cluster-node", "load-tests")) {
      assertTrue(OpsFiles.read("pom.xml").contains("<module>" + module + "</module>"), module + " is a module");
      assertTrue(dockerfile.contains("COPY " + module + " " + module), "the build stage copies " + module);
    }
    assertTrue(dockerfile.contains("FROM eclipse-temurin:17-jre"), "small JRE runtime");
    assertTrue(dockerfile.contains("USER 10001"), "non-root");
    assertTrue(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("/healthz"));
    assertTrue(dockerfile.contains("-XX:MaxRAMPercentage=") && dockerfile.contains("-XX:+ExitOnOutOfMemoryError"));
    assertTrue(dockerfile.contains("LOG_FORMAT=json"));
    assertTrue(dockerfile.contains("exec java"), "java is PID 1 and gets SIGTERM");
  }

  @Test
  void launcherParsesAndRejectsUnknownCommands() throws Exception {
    var script = OpsFiles.resolve("ops/local-cluster.sh");
    assertTrue(Files.isExecutable(script), "ops/local-cluster.sh is executable");
    Processes.Result syntax = Processes.run(OpsFiles.root().toFile(), List.of("bash", "-n", script.toString()));
    assertEquals(0, syntax.exitCode(), syntax.output());
    Processes.Result usage = Processes.run(OpsFiles.root().toFile(), List.of("bash", script.toString(), "bogus"));
    assertEquals(1, usage.exitCode(), usage.output());
    assertTrue(usage.output().contains("usage:"), usage.output());
    assertTrue(Files.exists(OpsFiles.resolve("cluster-node/src/main/java/io/lifeguard/node/ops/GenerateSigningKey.java")));
  }

  @Test
  void runRebuildsAfterAConsoleFileChanges() throws Exception {
    java.nio.file.Path copy = Files.createTempDirectory("launcher");
    Files.copy(OpsFiles.resolve("lifeguard"), copy.resolve("lifeguard"));
    for (String module : List.of("protocol", "sharding", "control-api")) Files.createDirectories(copy.resolve(module));
    Files.writeString(copy.resolve("pom.xml"), "<project/>");
    java.nio.file.Path console = Files.createDirectories(copy.resolve("cluster-node/src/main/resources/console"));
    java.nio.file.Path jar = Files.createDirectories(copy.resolve("cluster-node/target")).resolve("lifeguard-node.jar");
    Files.writeString(jar, "jar");
    java.nio.file.attribute.FileTime built = Files.getLastModifiedTime(jar);
    Files.setLastModifiedTime(copy.resolve("pom.xml"), java.nio.file.attribute.FileTime.fromMillis(built.toMillis() - 60_000));
    List<String> needsBuild = List.of("bash", copy.resolve("lifeguard").toString(), "needs-build");
    assertEquals(1, Processes.run(copy.toFile(), needsBuild).exitCode(), "nothing newer than the jar");
    for (String file : List.of("app.js", "style.css", "index.html")) {
      java.nio.file.Path changed = console.resolve(file);
      Files.writeString(changed, "changed");
      Files.setLastModifiedTime(changed, java.nio.file.attribute.FileTime.fromMillis(built.toMillis() + 60_000));
      assertEquals(0, Processes.run(copy.toFile(), needsBuild).exitCode(), file + " newer than the jar means a rebuild");
      Files.delete(changed);
    }
  }

  @Test
  void mavenPrintsNoRawAnsiResets() throws Exception {
    // Maven runs these tests, so it is normally on the PATH; a run from an IDE may lack it.
    io.lifeguard.node.testing.RequiredTools.require(Processes.onPath("mvn"), "skipped: mvn not on the PATH");
    // jansi, inside Maven 3.8, writes ESC[0m resets even in batch mode; .mvn/jvm.config turns them off,
    // so the first `./lifeguard run` shows no stray escape codes before the node's first line.
    assertTrue(OpsFiles.read(".mvn/jvm.config").contains("-Djansi.noreset=true"));
    Processes.Result result = Processes.run(OpsFiles.root().toFile(), List.of("mvn", "-B", "-q", "-o", "-N", "validate"));
    assertEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().indexOf('\u001b') < 0, "no escape code in: " + result.output());
  }
}
