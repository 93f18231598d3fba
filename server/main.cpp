// slab5d: the local Slab5 API server.
#include "server_main.hpp"

int main(int argc, char** argv) { return slab5d::run_main(argc, argv); }
