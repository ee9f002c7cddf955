// Tests that link the SystemC library but drive no simulation: libsystemc's
// own main() refers to sc_main (declared extern "C" by SystemC), while
// GoogleTest's main is the one that runs.
extern "C" int sc_main(int, char**) { return 0; }
