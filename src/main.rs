fn main() {
    std::process::exit(zhaoshang::cli::main());
}
