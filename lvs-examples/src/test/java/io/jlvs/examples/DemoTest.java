package io.jlvs.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's main command: real HTTP through the NAT data plane, rr then wrr 5:10. */
class DemoTest {
    @Test
    void demoShowsRoundRobinThenTheWeightedPatternAndTheDistribution() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Demo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        // rr starts with the newest real server and cycles through all three
        assertTrue(out.contains("rr   request  1 -> lvs03 host!\nrr   request  2 -> lvs02 host!\nrr   request  3 -> lvs01 host!\n"), out);
        // wrr with weights 5 (lvs01) and 10 (lvs02) set by edits: the kernel's 2:1 pattern
        assertTrue(out.contains("wrr  request  1 -> lvs02 host!\nwrr  request  2 -> lvs01 host!\nwrr  request  3 -> lvs02 host!\n"), out);
        assertTrue(out.contains("lvs01          2                 5\n"), out);
        assertTrue(out.contains("lvs02          2                 10\n"), out);
        assertTrue(out.contains("lvs03          2                 0\n"), out);
        assertTrue(out.contains("Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"), out);
    }
}
