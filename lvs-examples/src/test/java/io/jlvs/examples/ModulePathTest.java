package io.jlvs.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The schedulers are found through ServiceLoader on the module path too: lvsadm runs as a JPMS
 * application in a child JVM (nothing on the class path), and the io.jlvs.schedulers module is
 * bound by its {@code provides} alone — io.jlvs.examples does not require it.
 */
class ModulePathTest {
    @Test
    void lvsadmFindsEverySchedulerOnTheModulePath() throws Exception {
        String modulePath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> !p.contains("junit") && !p.contains("opentest4j") && !p.contains("apiguardian")
                        && !p.contains("jqwik") && !p.endsWith("test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--module-path", modulePath,
                "-m", "io.jlvs.examples/io.jlvs.examples.Lvsadm", "--shell").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            String[] names = {"rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "twos", "lblc", "lblcr", "dh", "sh", "mh"};
            for (int i = 0; i < names.length; i++) {
                in.write(("-A -t 10.0.0.1:" + (1000 + i) + " -s " + names[i] + "\n").getBytes(StandardCharsets.UTF_8));
            }
            in.write("-A -t 10.0.0.2:80 -s nosuch\n-Ln\n".getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "lvsadm did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(out.contains("Scheduler or persistence engine not found (scheduler 'nosuch' is not one of: "
                + "dh fo lblc lblcr lc mh none nq ovf rr sed sh twos wlc wrr)"), out);
        assertEquals(14, out.lines().filter(l -> l.startsWith("TCP  10.0.0.1:")).count(), out);
    }
}
