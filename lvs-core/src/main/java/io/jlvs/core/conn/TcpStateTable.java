package io.jlvs.core.conn;

import static io.jlvs.core.conn.ConnectionState.CLOSE;
import static io.jlvs.core.conn.ConnectionState.CLOSE_WAIT;
import static io.jlvs.core.conn.ConnectionState.ESTABLISHED;
import static io.jlvs.core.conn.ConnectionState.FIN_WAIT;
import static io.jlvs.core.conn.ConnectionState.LAST_ACK;
import static io.jlvs.core.conn.ConnectionState.LISTEN;
import static io.jlvs.core.conn.ConnectionState.SYNACK;
import static io.jlvs.core.conn.ConnectionState.SYN_RECV;
import static io.jlvs.core.conn.ConnectionState.SYN_SENT;
import static io.jlvs.core.conn.ConnectionState.TIME_WAIT;

/**
 * The kernel's TCP state transition tables ({@code ip_vs_proto_tcp.c}): one for normal operation
 * and the {@code secure_tcp} variant, indexed by direction, event and current state. The rows
 * below are the reference table (§4.4) verbatim, so a reviewer can compare them cell by cell.
 */
public final class TcpStateTable {
    // Column order = ConnectionState ordinals 0..10:
    //        NONE EST  SS   SR   FW   TW   CL   CW   LA   LI   SA
    private static final String NORMAL = """
            IN  SYN  SR   ES   ES   SR   SR   SR   SR   SR   SR   SR   SR
            IN  FIN  CL   CW   SS   TW   TW   TW   CL   CW   LA   LI   TW
            IN  ACK  ES   ES   SS   ES   FW   TW   CL   CW   CL   LI   ES
            IN  RST  CL   CL   CL   SR   CL   CL   CL   CL   LA   LI   SR
            OUT SYN  SS   ES   SS   SR   SS   SS   SS   SS   SS   LI   SR
            OUT FIN  TW   FW   SS   TW   FW   TW   CL   TW   LA   LI   TW
            OUT ACK  ES   ES   SS   ES   FW   TW   CL   CW   LA   ES   ES
            OUT RST  CL   CL   SS   CL   CL   TW   CL   CL   CL   CL   CL
            IO  SYN  SR   ES   ES   SR   SR   SR   SR   SR   SR   SR   SR
            IO  FIN  CL   FW   SS   TW   FW   TW   CL   CW   LA   LI   TW
            IO  ACK  ES   ES   SS   ES   FW   TW   CL   CW   CL   LI   ES
            IO  RST  CL   CL   CL   SR   CL   CL   CL   CL   LA   LI   CL
            """;
    private static final String SECURE = """
            IN  SYN  SR   ES   ES   SR   SR   SR   SR   SR   SR   SR   SA
            IN  FIN  CL   CW   SS   TW   TW   TW   CL   CW   LA   LI   SA
            IN  ACK  ES   ES   SS   SR   FW   TW   CL   CW   CL   LI   SA
            IN  RST  CL   CL   CL   SR   CL   CL   CL   CL   LA   LI   CL
            OUT SYN  SS   ES   SS   SA   SS   SS   SS   SS   SS   LI   SA
            OUT FIN  TW   FW   SS   TW   FW   TW   CL   TW   LA   LI   TW
            OUT ACK  ES   ES   SS   ES   FW   TW   CL   CW   LA   ES   ES
            OUT RST  CL   CL   SS   CL   CL   TW   CL   CL   CL   CL   CL
            IO  SYN  SA   ES   ES   SR   SA   SA   SA   SA   SA   SA   SA
            IO  FIN  CL   FW   SS   TW   FW   TW   CL   CW   LA   LI   TW
            IO  ACK  ES   ES   SS   ES   FW   TW   CL   CW   CL   LI   ES
            IO  RST  CL   CL   CL   SR   CL   CL   CL   CL   LA   LI   CL
            """;
    /** Number of TCP states (NONE .. SYNACK). */
    public static final int TCP_STATES = 11;

    private static final ConnectionState[] NORMAL_TABLE = parse(NORMAL);
    private static final ConnectionState[] SECURE_TABLE = parse(SECURE);

    private TcpStateTable() {
    }

    /**
     * @param secure true while {@code secure_tcp} is active (mode 2 or 3)
     * @param state the current TCP state (NONE .. SYNACK)
     * @return the next state; an event of {@link TcpEvent#NONE} always gives CLOSE
     */
    public static ConnectionState next(boolean secure, Direction direction, TcpEvent event, ConnectionState state) {
        if (event == TcpEvent.NONE) {
            return CLOSE;
        }
        int s = state.ordinal();
        if (s >= TCP_STATES) {
            throw new IllegalArgumentException("not a TCP state: " + state);
        }
        return (secure ? SECURE_TABLE : NORMAL_TABLE)[index(direction, event) * TCP_STATES + s];
    }

    private static int index(Direction d, TcpEvent e) {
        return d.ordinal() * 4 + e.ordinal();
    }

    private static ConnectionState[] parse(String table) {
        ConnectionState[] cells = new ConnectionState[3 * 4 * TCP_STATES];
        for (String line : table.strip().split("\n")) {
            String[] f = line.trim().split("\\s+");
            Direction d = switch (f[0]) {
                case "IN" -> Direction.INPUT;
                case "OUT" -> Direction.OUTPUT;
                default -> Direction.INPUT_ONLY;
            };
            TcpEvent e = TcpEvent.valueOf(f[1]);
            for (int s = 0; s < TCP_STATES; s++) {
                cells[index(d, e) * TCP_STATES + s] = state(f[2 + s]);
            }
        }
        return cells;
    }

    private static ConnectionState state(String abbreviation) {
        return switch (abbreviation) {
            case "SR" -> SYN_RECV;
            case "ES" -> ESTABLISHED;
            case "SS" -> SYN_SENT;
            case "FW" -> FIN_WAIT;
            case "TW" -> TIME_WAIT;
            case "CL" -> CLOSE;
            case "CW" -> CLOSE_WAIT;
            case "LA" -> LAST_ACK;
            case "LI" -> LISTEN;
            case "SA" -> SYNACK;
            default -> throw new IllegalStateException("bad cell " + abbreviation);
        };
    }
}
