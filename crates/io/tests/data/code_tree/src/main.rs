fn main() {
    println!("Hola, món!");
}
