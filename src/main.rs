fn main() {
    std::process::exit(envy::cli::main());
}
