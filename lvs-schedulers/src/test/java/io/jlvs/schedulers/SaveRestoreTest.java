package io.jlvs.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jlvs.core.Director;
import io.jlvs.core.ipvsadm.Ipvsadm;
import org.junit.jupiter.api.Test;

/** {@code -S -n} then {@code -R} into a fresh {@code Director.create()} with the real schedulers. */
class SaveRestoreTest {
    @Test
    void saveThenRestoreReproducesTheTableWithEveryScheduler() {
        String rules = """
                -A -t 172.25.0.10:80 -s rr
                -a -t 172.25.0.10:80 -r 192.168.122.10:80 -m -w 5
                -a -t 172.25.0.10:80 -r 192.168.122.20:80 -m -w 10
                -A -t 172.25.0.10:443 -s wrr -p
                -a -t 172.25.0.10:443 -r 192.168.122.10:443 -w 3
                -A -u 172.25.0.10:53 -s sh -b sh-fallback,sh-port -o
                -a -u 172.25.0.10:53 -r 192.168.122.10:53 -m
                -A -t 172.25.0.10:0 -s mh -b mh-port -p 600 -M 255.255.255.0
                -a -t 172.25.0.10:0 -r 192.168.122.30 -i --tun-type gue --tun-port 6080 --tun-csum
                -A -f 7 -s lblcr -p 60
                -a -f 7 -r 192.168.122.40 -g -w 0
                -A -t [2001:db8::80]:80 -s twos
                -a -t [2001:db8::80]:80 -r [2001:db8::2]:8080 -m -x 100 -y 50
                """;
        for (String s : new String[] {"lc", "wlc", "sed", "nq", "fo", "ovf", "lblc", "dh"}) {
            rules += "-A -t 172.25.1." + (1 + s.length()) + s.charAt(0) % 7 + ":80 -s " + s + "\n";
        }
        try (Director first = Director.create(); Director second = Director.create()) {
            assertEquals("", Ipvsadm.restore(first, rules).errorText());
            String saved = first.ipvsadm("-S -n");
            assertEquals("", Ipvsadm.restore(second, saved).errorText());
            assertEquals(saved, second.ipvsadm("-S -n"));
            assertEquals(first.ipvsadm("-Ln"), second.ipvsadm("-Ln"));
            // the lossless export keeps the thresholds -S drops
            try (Director third = Director.create()) {
                assertEquals("", Ipvsadm.restore(third, Ipvsadm.export(first)).errorText());
                assertEquals(first.ipvsadm("-Ln --thresholds"), third.ipvsadm("-Ln --thresholds"));
            }
        }
    }
}
