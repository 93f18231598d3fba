// slab5: the command-line client for the Slab5 API.
#include "run.hpp"

int main(int argc, char** argv) { return slab5cli::run(argc, argv); }
