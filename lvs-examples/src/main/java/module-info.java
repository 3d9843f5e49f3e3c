/** lvsadm and the demos: the programs a newcomer starts first. */
module io.jlvs.examples {
    requires io.jlvs.core;
    requires io.jlvs.dataplane;
    requires jdk.httpserver;
}
