use clap::{Parser, Subcommand};
use talkshop_protocol::shop::{CreateShop, StaffRole};
use talkshop_protocol::Currency;
use talkshop_server::{config::Config, run};

/// `talkshop-server [flags]` serves; the subcommands manage shops and staff in the same database.
#[derive(Debug, Parser)]
#[command(name = "talkshop-server", version, about = "Talkshop chat-commerce server")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create and list shops.
    #[command(subcommand)]
    Shop(ShopCommand),
    /// Add staff and reset passwords.
    #[command(subcommand)]
    Staff(StaffCommand),
}

#[derive(Debug, Subcommand)]
enum ShopCommand {
    /// Creates a shop and its owner; prints the owner's one-time password.
    Create {
        /// Public id (a-z, 0-9, -): the `data-shop` of the embed snippet.
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        /// ISO 4217 code: BRL, THB, IDR, USD, EUR, JPY.
        #[arg(long)]
        currency: String,
        /// en, pt-BR, th or id.
        #[arg(long, default_value = "en")]
        locale: String,
        #[arg(long)]
        owner_email: String,
        #[arg(long)]
        owner_name: Option<String>,
        /// A test shop: sandbox card and hosted page, cards say "test mode".
        #[arg(long, default_value_t = false)]
        sandbox: bool,
    },
    /// Lists the shops.
    List,
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Adds a staff member to a shop; prints their one-time password.
    Add {
        #[arg(long)]
        shop: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// owner or agent.
        #[arg(long, default_value = "agent")]
        role: String,
    },
    /// Gives a staff member a new one-time password.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    talkshop_server::init_tracing(cli.config.log_json);
    let result = match cli.command {
        None => run(cli.config).await.map_err(|e| e.to_string()),
        Some(command) => manage(&cli.config, command).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn api_error(err: talkshop_server::error::AppError) -> String {
    err.to_api().message.clone() + &format!(" ({err})")
}

async fn manage(config: &Config, command: Command) -> Result<(), String> {
    let storage = talkshop_server::open_storage(config).await.map_err(|e| e.to_string())?;
    let out = match command {
        Command::Shop(ShopCommand::Create { id, name, currency, locale, owner_email, owner_name, sandbox }) => {
            let currency = Currency::ALL
                .into_iter()
                .find(|c| c.code().eq_ignore_ascii_case(&currency))
                .ok_or_else(|| format!("unknown currency {currency:?} (BRL, THB, IDR, USD, EUR, JPY)"))?;
            let req = CreateShop { id, name, currency, locale, owner_email, owner_name, sandbox };
            let created = talkshop_server::shops::create(storage.as_ref(), config, &req).await.map_err(api_error)?;
            println!("Created shop {} ({})", created.id, created.name);
            println!("Owner: {}", created.owner_email);
            println!("One-time password: {}", created.owner_password);
            println!("Sign in at /console, then change the password and set up Settings → Payments.");
            Ok(())
        }
        Command::Shop(ShopCommand::List) => {
            let list = talkshop_server::routes::admin::shop_list(storage.as_ref(), config).await.map_err(api_error)?;
            println!("{:<24} {:<32} {:<4} {:>5} sandbox", "id", "name", "cur", "staff");
            for shop in list.shops {
                println!("{:<24} {:<32} {:<4} {:>5} {}", shop.id, shop.name, shop.currency, shop.staff, shop.sandbox);
            }
            Ok(())
        }
        Command::Staff(StaffCommand::Add { shop, email, name, role }) => {
            let role = StaffRole::parse(&role).ok_or("--role is owner or agent")?;
            let password = talkshop_server::shops::add_staff(storage.as_ref(), &shop, &email, &name, role)
                .await
                .map_err(api_error)?;
            println!("Added {email} to {shop} as {}", role.as_str());
            println!("One-time password: {password}");
            Ok(())
        }
        Command::Staff(StaffCommand::ResetPassword { email }) => {
            let password = talkshop_server::shops::reset_password(storage.as_ref(), &email).await.map_err(api_error)?;
            println!("Password of {email} reset.");
            println!("One-time password: {password}");
            Ok(())
        }
    };
    storage.close().await;
    out
}
