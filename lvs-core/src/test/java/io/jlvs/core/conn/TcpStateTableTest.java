package io.jlvs.core.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every cell of both TCP tables, transcribed independently from reference §4.4 as
 * (direction, event) → next state for each current state in column order.
 */
class TcpStateTableTest {
    private static final ConnectionState[] COLUMNS = {
        ConnectionState.NONE, ConnectionState.ESTABLISHED, ConnectionState.SYN_SENT, ConnectionState.SYN_RECV,
        ConnectionState.FIN_WAIT, ConnectionState.TIME_WAIT, ConnectionState.CLOSE, ConnectionState.CLOSE_WAIT,
        ConnectionState.LAST_ACK, ConnectionState.LISTEN, ConnectionState.SYNACK};

    private static final Map<String, String> NORMAL = Map.ofEntries(
            Map.entry("INPUT SYN", "SYN_RECV ESTABLISHED ESTABLISHED SYN_RECV SYN_RECV SYN_RECV SYN_RECV SYN_RECV SYN_RECV SYN_RECV SYN_RECV"),
            Map.entry("INPUT FIN", "CLOSE CLOSE_WAIT SYN_SENT TIME_WAIT TIME_WAIT TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN TIME_WAIT"),
            Map.entry("INPUT ACK", "ESTABLISHED ESTABLISHED SYN_SENT ESTABLISHED FIN_WAIT TIME_WAIT CLOSE CLOSE_WAIT CLOSE LISTEN ESTABLISHED"),
            Map.entry("INPUT RST", "CLOSE CLOSE CLOSE SYN_RECV CLOSE CLOSE CLOSE CLOSE LAST_ACK LISTEN SYN_RECV"),
            Map.entry("OUTPUT SYN", "SYN_SENT ESTABLISHED SYN_SENT SYN_RECV SYN_SENT SYN_SENT SYN_SENT SYN_SENT SYN_SENT LISTEN SYN_RECV"),
            Map.entry("OUTPUT FIN", "TIME_WAIT FIN_WAIT SYN_SENT TIME_WAIT FIN_WAIT TIME_WAIT CLOSE TIME_WAIT LAST_ACK LISTEN TIME_WAIT"),
            Map.entry("OUTPUT ACK", "ESTABLISHED ESTABLISHED SYN_SENT ESTABLISHED FIN_WAIT TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK ESTABLISHED ESTABLISHED"),
            Map.entry("OUTPUT RST", "CLOSE CLOSE SYN_SENT CLOSE CLOSE TIME_WAIT CLOSE CLOSE CLOSE CLOSE CLOSE"),
            Map.entry("INPUT_ONLY SYN", "SYN_RECV ESTABLISHED ESTABLISHED SYN_RECV SYN_RECV SYN_RECV SYN_RECV SYN_RECV SYN_RECV SYN_RECV SYN_RECV"),
            Map.entry("INPUT_ONLY FIN", "CLOSE FIN_WAIT SYN_SENT TIME_WAIT FIN_WAIT TIME_WAIT CLOSE CLOSE_WAIT LAST_ACK LISTEN TIME_WAIT"),
            Map.entry("INPUT_ONLY ACK", "ESTABLISHED ESTABLISHED SYN_SENT ESTABLISHED FIN_WAIT TIME_WAIT CLOSE CLOSE_WAIT CLOSE LISTEN ESTABLISHED"),
            Map.entry("INPUT_ONLY RST", "CLOSE CLOSE CLOSE SYN_RECV CLOSE CLOSE CLOSE CLOSE LAST_ACK LISTEN CLOSE"));

    /** The secure table: the normal one with the cells §4.4 lists as different. */
    private static String secure(String row, int column) {
        return switch (row) {
            case "INPUT SYN", "INPUT FIN" -> column == 10 ? "SYNACK" : null;
            case "INPUT ACK" -> column == 3 ? "SYN_RECV" : column == 10 ? "SYNACK" : null;
            case "INPUT RST" -> column == 10 ? "CLOSE" : null;
            case "OUTPUT SYN" -> column == 3 || column == 10 ? "SYNACK" : null;
            case "INPUT_ONLY SYN" -> column == 0 || column >= 4 ? "SYNACK" : null;
            default -> null;
        };
    }

    static Stream<Arguments> cells() {
        List<Arguments> all = new ArrayList<>();
        for (var row : NORMAL.entrySet()) {
            String[] parts = row.getKey().split(" ");
            String[] next = row.getValue().split(" ");
            for (int col = 0; col < COLUMNS.length; col++) {
                String sec = secure(row.getKey(), col);
                all.add(Arguments.of(Direction.valueOf(parts[0]), TcpEvent.valueOf(parts[1]), COLUMNS[col],
                        ConnectionState.valueOf(next[col]), ConnectionState.valueOf(sec != null ? sec : next[col])));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1} from {2}: {3} / secure {4}")
    @MethodSource("cells")
    void everyCell(Direction d, TcpEvent e, ConnectionState from, ConnectionState normal, ConnectionState secure) {
        assertEquals(normal, TcpStateTable.next(false, d, e, from));
        assertEquals(secure, TcpStateTable.next(true, d, e, from));
    }

    @ParameterizedTest
    @MethodSource("cells")
    void noFlagsMeansClose(Direction d, TcpEvent e, ConnectionState from) {
        assertEquals(ConnectionState.CLOSE, TcpStateTable.next(false, d, TcpEvent.NONE, from));
    }

    @org.junit.jupiter.api.Test
    void classificationOrder() {
        assertEquals(TcpEvent.RST, TcpEvent.of(TcpEvent.FLAG_RST | TcpEvent.FLAG_SYN | TcpEvent.FLAG_ACK));
        assertEquals(TcpEvent.SYN, TcpEvent.of(TcpEvent.FLAG_SYN | TcpEvent.FLAG_ACK));
        assertEquals(TcpEvent.FIN, TcpEvent.of(TcpEvent.FLAG_FIN | TcpEvent.FLAG_ACK));
        assertEquals(TcpEvent.ACK, TcpEvent.of(TcpEvent.FLAG_ACK));
        assertEquals(TcpEvent.NONE, TcpEvent.of(0));
    }
}
