//! Hands each live event only to the sockets of its audience.
//!
//! Sockets register with who they are (staff of a shop, or a buyer with
//! their principal and device); an event is pushed into the bounded queue of
//! each socket that may see it, looked up by shop or by shop + buyer, so a
//! message wakes its ~100 recipients and not every socket of the node. (One
//! broadcast channel read by every socket cost 2,000 wake-ups and filter
//! checks per event at 2,000 sockets and saturated near 270 msg/s.)
//!
//! Events are queued under one lock, so every socket sees them in the order
//! they were published. A socket whose queue is full is dropped from the
//! registry: its queue ends after what it holds, the socket closes, and its
//! client reconnects and resumes from its last sequence number.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::mpsc;

use super::{Audience, Live};
use crate::auth::{Role, Viewer};

type Queue = mpsc::Sender<Live>;

#[derive(Default)]
struct Registry {
    next_id: u64,
    /// Staff sockets by shop.
    staff: HashMap<String, Vec<(u64, Queue)>>,
    /// Buyer sockets by (shop, principal): the conversation's side.
    buyers: HashMap<(String, String), Vec<(u64, Queue)>>,
    /// Buyer sockets by (shop, visitor): one device (its cart).
    devices: HashMap<(String, String), Vec<(u64, Queue)>>,
}

pub struct Router {
    capacity: usize,
    registry: Mutex<Registry>,
}

/// Where a socket registered, to find it again when it goes.
#[derive(Debug, Clone)]
pub struct Registration {
    id: u64,
    role: Role,
    shop: String,
    principal: String,
    visitor: String,
}

impl Router {
    pub fn new(capacity: usize) -> Router {
        Router { capacity, registry: Mutex::new(Registry::default()) }
    }

    /// Registers a socket; events for it arrive on the returned queue.
    pub fn register(&self, viewer: &Viewer) -> (Registration, mpsc::Receiver<Live>) {
        let (tx, rx) = mpsc::channel(self.capacity);
        let claims = &viewer.claims;
        let mut registry = self.registry.lock().expect("router");
        registry.next_id += 1;
        let id = registry.next_id;
        let registration = Registration {
            id,
            role: claims.role,
            shop: claims.shop.clone(),
            principal: claims.principal().to_owned(),
            visitor: claims.sub.clone(),
        };
        match claims.role {
            Role::Staff => registry.staff.entry(claims.shop.clone()).or_default().push((id, tx)),
            Role::Buyer => {
                let by_principal = (claims.shop.clone(), registration.principal.clone());
                registry.buyers.entry(by_principal).or_default().push((id, tx.clone()));
                registry.devices.entry((claims.shop.clone(), claims.sub.clone())).or_default().push((id, tx));
            }
        }
        (registration, rx)
    }

    pub fn unregister(&self, registration: &Registration) {
        let mut registry = self.registry.lock().expect("router");
        let id = registration.id;
        match registration.role {
            Role::Staff => remove(&mut registry.staff, &registration.shop, id),
            Role::Buyer => {
                remove(&mut registry.buyers, &(registration.shop.clone(), registration.principal.clone()), id);
                remove(&mut registry.devices, &(registration.shop.clone(), registration.visitor.clone()), id);
            }
        }
    }

    /// Queues the event for every socket of its audience on this node.
    pub fn deliver(&self, live: &Live) {
        let mut registry = self.registry.lock().expect("router");
        let registry = &mut *registry;
        let mut full = Vec::new();
        let mut push = |queues: Option<&Vec<(u64, Queue)>>| {
            for (id, queue) in queues.into_iter().flatten() {
                if let Err(mpsc::error::TrySendError::Full(_)) = queue.try_send(live.clone()) {
                    full.push(*id);
                }
            }
        };
        match &live.audience {
            Audience::Conversation { shop_id, visitor_id } => {
                push(registry.staff.get(shop_id));
                push(registry.buyers.get(&(shop_id.clone(), visitor_id.clone())));
            }
            Audience::Buyer { shop_id, visitor_id } => {
                push(registry.buyers.get(&(shop_id.clone(), visitor_id.clone())))
            }
            Audience::Visitor { shop_id, visitor_id } => {
                push(registry.devices.get(&(shop_id.clone(), visitor_id.clone())))
            }
            Audience::Staff { shop_id } => push(registry.staff.get(shop_id)),
            Audience::Shop { shop_id } => {
                push(registry.staff.get(shop_id));
                for ((shop, _), queues) in &registry.buyers {
                    if shop == shop_id {
                        push(Some(queues));
                    }
                }
            }
        }
        // Fell a whole queue behind: forget it, so it ends and the socket resumes.
        if !full.is_empty() {
            drop_full(&mut registry.staff, &full);
            drop_full(&mut registry.buyers, &full);
            drop_full(&mut registry.devices, &full);
        }
    }

    /// Sockets registered (tests and diagnostics).
    pub fn sockets(&self) -> usize {
        let registry = self.registry.lock().expect("router");
        registry.staff.values().map(Vec::len).sum::<usize>() + registry.devices.values().map(Vec::len).sum::<usize>()
    }
}

fn drop_full<K>(map: &mut HashMap<K, Vec<(u64, Queue)>>, full: &[u64]) {
    map.retain(|_, queues| {
        queues.retain(|(id, _)| !full.contains(id));
        !queues.is_empty()
    });
}

fn remove<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Vec<(u64, Queue)>>, key: &K, id: u64) {
    if let Some(queues) = map.get_mut(key) {
        queues.retain(|(other, _)| *other != id);
        if queues.is_empty() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use talkshop_protocol::ServerFrame;

    use super::*;
    use crate::auth::Claims;
    use crate::hub::{Event, LiveEvent};

    fn viewer(sub: &str, role: Role, shop: &str, own: Option<&str>) -> Viewer {
        let mut claims = Claims::new(sub, role, shop, i64::MAX);
        claims.own = own.map(str::to_owned);
        Viewer { claims }
    }

    fn event(audience: Audience) -> Live {
        LiveEvent::new(Event { audience, frame: ServerFrame::Pong })
    }

    fn received(rx: &mut mpsc::Receiver<Live>) -> usize {
        std::iter::from_fn(|| rx.try_recv().ok()).count()
    }

    #[test]
    fn each_audience_reaches_exactly_its_sockets() {
        let router = Router::new(16);
        let (_, mut staff) = router.register(&viewer("s1", Role::Staff, "demo", None));
        let (_, mut other_shop) = router.register(&viewer("s2", Role::Staff, "siam", None));
        let (_, mut alice) = router.register(&viewer("v-alice", Role::Buyer, "demo", None));
        // Bob is a verified user on two devices sharing the conversation of v-bob.
        let (_, mut bob_phone) = router.register(&viewer("v-bob", Role::Buyer, "demo", None));
        let (_, mut bob_laptop) = router.register(&viewer("v-laptop", Role::Buyer, "demo", Some("v-bob")));
        let conversation =
            |visitor: &str| Audience::Conversation { shop_id: "demo".into(), visitor_id: visitor.into() };

        router.deliver(&event(conversation("v-bob")));
        router.deliver(&event(Audience::Buyer { shop_id: "demo".into(), visitor_id: "v-alice".into() }));
        router.deliver(&event(Audience::Visitor { shop_id: "demo".into(), visitor_id: "v-laptop".into() }));
        router.deliver(&event(Audience::Staff { shop_id: "demo".into() }));
        router.deliver(&event(Audience::Shop { shop_id: "demo".into() }));
        router.deliver(&event(conversation("v-nobody")));

        let counts = [&mut staff, &mut other_shop, &mut alice, &mut bob_phone, &mut bob_laptop].map(received);
        // staff: bob's conversation, Staff, Shop, nobody's conversation; alice: Buyer, Shop;
        // bob's phone: conversation, Shop; bob's laptop: conversation, Visitor (its cart), Shop.
        assert_eq!(counts, [4, 0, 2, 2, 3]);
    }

    #[test]
    fn a_socket_gone_or_too_far_behind_gets_nothing_more() {
        let router = Router::new(2);
        let (gone, _rx) = router.register(&viewer("s1", Role::Staff, "demo", None));
        let (_, mut slow) = router.register(&viewer("s2", Role::Staff, "demo", None));
        router.unregister(&gone);
        assert_eq!(router.sockets(), 1);
        for _ in 0..3 {
            router.deliver(&event(Audience::Staff { shop_id: "demo".into() }));
        }
        // The third did not fit: the slow socket was dropped, its queue ends after two.
        assert_eq!(router.sockets(), 0);
        assert_eq!(received(&mut slow), 2);
        assert!(slow.try_recv().is_err());
        assert!(matches!(slow.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)));
    }
}
